extension Kernels {
    /// Int8 dot products of a split query with 4 rows at arbitrary addresses (the rows a mask
    /// let through), sharing each query load across them (``dotInt8x4Rows(_:_:stride:)`` is this kernel on 4 consecutive rows).
    @inline(__always)
    static func dotInt8x4Gather(
        _ q: UnsafePointer<SIMD16<Int32>>, _ x0: UnsafePointer<Int8>, _ x1: UnsafePointer<Int8>,
        _ x2: UnsafePointer<Int8>, _ x3: UnsafePointer<Int8>, stride: Int
    ) -> SIMD4<Int32> {
        var s0 = SIMD16<Int32>(), s1 = SIMD16<Int32>(), s2 = SIMD16<Int32>(), s3 = SIMD16<Int32>()
        var c = 0, o = 0
        while o < stride {
            s0 &+= int8Chunk(x0 + o, q + c)
            s1 &+= int8Chunk(x1 + o, q + c)
            s2 &+= int8Chunk(x2 + o, q + c)
            s3 &+= int8Chunk(x3 + o, q + c)
            c &+= 4
            o &+= 64
        }
        return SIMD4(s0.wrappedSum(), s1.wrappedSum(), s2.wrappedSum(), s3.wrappedSum())
    }
}
