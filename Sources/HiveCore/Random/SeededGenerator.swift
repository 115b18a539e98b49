import Foundation

/// A small, fast, seedable random number generator (SplitMix64).
///
/// Training, negative sampling, privacy noise and the attack simulators all take a
/// generator so a run can be replayed exactly from its seed. SplitMix64 passes BigCrush and
/// needs one word of state; it is not a cryptographic generator — callers that need
/// unpredictable privacy noise should pass `SystemRandomNumberGenerator` instead.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A standard normal sample (Box–Muller; one of the pair is discarded for simplicity).
    public mutating func nextGaussian() -> Double {
        // u1 in (0, 1]: never 0, so the logarithm is finite.
        let u1 = Double(next() >> 11 &+ 1) * 0x1.0p-53
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
