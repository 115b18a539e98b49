/// In-place selection (quickselect) on a short buffer of finite floats.
///
/// The coordinate-wise rules need the middle order statistics of each column, not a full
/// sort: after `select(k)` the element at `k` is the one a sort would put there, everything
/// before it is ≤ and everything after it is ≥. Expected linear time.
enum Selection {
    @inline(__always)
    static func select(_ a: UnsafeMutablePointer<Float>, count: Int, k: Int) {
        var lo = 0, hi = count - 1
        while hi > lo {
            if hi - lo < 16 {
                insertionSort(a + lo, count: hi - lo + 1)
                return
            }
            // Median of three as the pivot keeps sorted or constant columns linear.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            // Hoare partition: equal keys split both ways, so ties do not degrade it.
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                hi = j
            } else if k >= i {
                lo = i
            } else {
                return
            }
        }
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
        for i in 1..<max(1, count) where a[i] > m { m = a[i] }
        return m
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
