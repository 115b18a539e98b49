/// In-place selection (quickselect) on a short buffer of finite floats.
///
/// The coordinate-wise rules need the middle order statistics of each column, not a full
/// sort: after `select(k)` the element at `k` is the one a sort would put there, everything
/// before it is ≤ and everything after it is ≥. Expected linear time.
///
/// The partition is branch-free (every element is swapped, the boundary advances by the
/// comparison's 0/1): on random data a branchy partition mispredicts about every other
/// element, which measured ~2.7× slower here. Two passes per level (`<` then `≤` the pivot)
/// group elements equal to the pivot, so constant or heavily tied columns stay linear.
enum Selection {
    @inline(__always)
    static func select(_ a: UnsafeMutablePointer<Float>, count: Int, k: Int) {
        var lo = 0
        var hi = count
        while hi - lo > 12 {
            let size = hi - lo
            let pivot: Float
            if size >= 40 {
                // Tukey's ninther: a better median estimate for one more handful of loads.
                let e = size / 8
                let m1 = median3(a[lo], a[lo + e], a[lo + 2 * e])
                let m2 = median3(a[lo + 3 * e], a[lo + 4 * e], a[lo + 5 * e])
                let m3 = median3(a[lo + 6 * e], a[lo + 7 * e], a[hi - 1])
                pivot = median3(m1, m2, m3)
            } else {
                pivot = median3(a[lo], a[lo + size / 2], a[hi - 1])
            }
            let less = partition(a, lo, hi, pivot: pivot, inclusive: false)
            if k < less {
                hi = less
                continue
            }
            let notGreater = partition(a, less, hi, pivot: pivot, inclusive: true)
            if k < notGreater { return }  // a[k] equals the pivot
            lo = notGreater
        }
        insertionSort(a + lo, count: hi - lo)
    }

    /// Moves the elements of a[lo..<hi] that are < `pivot` (≤ when `inclusive`) to the front;
    /// returns where the rest start.
    @inline(__always)
    static func partition(_ a: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, pivot: Float, inclusive: Bool) -> Int
    {
        var store = lo
        var i = lo
        if inclusive {
            while i < hi {
                let v = a[i]
                a[i] = a[store]
                a[store] = v
                store &+= v <= pivot ? 1 : 0
                i &+= 1
            }
        } else {
            while i < hi {
                let v = a[i]
                a[i] = a[store]
                a[store] = v
                store &+= v < pivot ? 1 : 0
                i &+= 1
            }
        }
        return store
    }

    @inline(__always)
    static func median3(_ x: Float, _ y: Float, _ z: Float) -> Float {
        max(min(x, y), min(max(x, y), z))
    }

    @inline(__always)
    static func insertionSort(_ a: UnsafeMutablePointer<Float>, count: Int) {
        if count < 2 { return }
        for i in 1..<count {
            let v = a[i]
            var j = i - 1
            while j >= 0, a[j] > v {
                a[j + 1] = a[j]
                j -= 1
            }
            a[j + 1] = v
        }
    }

    /// The largest of the first `count` elements.
    @inline(__always)
    static func maximum(_ a: UnsafePointer<Float>, count: Int) -> Float {
        var m = a[0]
        for i in 1..<max(1, count) { m = max(m, a[i]) }
        return m
    }
}
