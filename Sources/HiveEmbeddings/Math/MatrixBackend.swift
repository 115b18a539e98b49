#if canImport(Accelerate)
    import Accelerate
#elseif canImport(COpenBLAS)
    import COpenBLAS
#endif

/// Which matrix-multiply implementation runs the encoder.
public enum MatrixBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The platform BLAS: Accelerate on Apple platforms, OpenBLAS (system library) on Linux.
    case blas
    /// Pure Swift with SIMD; works everywhere, several times slower than a tuned BLAS.
    case portable
    /// Pure Swift, with the linear layers' weights packed into panels at load and multiplied by a
    /// register-blocked kernel (`PackedGemm`); the small per-head attention products use the BLAS
    /// when linked, else the portable kernels.
    case packed

    /// Whether this build links a BLAS.
    public static var isBLASAvailable: Bool {
        #if canImport(Accelerate) || canImport(COpenBLAS)
            return true
        #else
            return false
        #endif
    }

    /// Accelerate on Apple platforms; `.packed` in native-kernel builds elsewhere (it beats OpenBLAS
    /// on the encoder's shapes: docs/embeddings.md); otherwise `.blas` when linked, else `.portable`.
    public static var platformDefault: MatrixBackend {
        #if canImport(Accelerate)
            return .blas
        #elseif HIVE_NATIVE_KERNELS
            return .packed
        #else
            return isBLASAvailable ? .blas : .portable
        #endif
    }

    public var description: String {
        switch self {
        case .portable: return "portable"
        case .packed: return "swift-packed"
        case .blas:
            #if canImport(Accelerate)
                return "accelerate"
            #elseif canImport(COpenBLAS)
                return "openblas"
            #else
                return "blas (unavailable)"
            #endif
        }
    }

    /// The kernels the BLAS runs (OpenBLAS's core name, e.g. "Cooperlake" or "Haswell"; OpenBLAS
    /// honours `OPENBLAS_CORETYPE` when set), or nil when not applicable.
    public static var blasCoreName: String? {
        #if !canImport(Accelerate) && canImport(COpenBLAS)
            guard let name = openblas_get_corename() else { return nil }
            return String(cString: name)
        #else
            return nil
        #endif
    }

    /// Sets the BLAS library's thread count (process-wide for OpenBLAS). No-op for `.portable`.
    func setThreads(_ count: Int) {
        #if !canImport(Accelerate) && canImport(COpenBLAS)
            if self != .portable, openblas_get_num_threads() != Int32(count) {
                openblas_set_num_threads(Int32(count))
            }
        #endif
    }

    /// Row-major `C[m×n] = alpha·A[m×k]·op(B) + beta·C`, where `op(B)` is `Bᵀ` for `B[n×k]`
    /// when `transposeB`, else `B[k×n]`.
    func gemm(
        transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        switch self {
        case .blas, .packed:
            #if canImport(Accelerate) || canImport(COpenBLAS)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            #else
                PortableGemm.run(
                    transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                    beta: beta, c: c, ldc: ldc)
            #endif
        case .portable:
            PortableGemm.run(
                transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc)
        }
    }
}
