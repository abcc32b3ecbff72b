//! Random streams. Each replication draws from streams derived from
//! (seed, grid point, replication, stream id) by SplitMix64 (Steele, Lea &
//! Flood 2014) into the 256-bit state of xoshiro256++ (Blackman & Vigna 2021).
//! Both algorithms are fixed by their papers, so a stream never changes with
//! a crate upgrade, a thread count or the order replications run in.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator of every stream.
pub type SimRng = Xoshiro256PlusPlus;

/// SplitMix64's output function: a bijective 64-bit mix.
#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream key of a sweep point, from what it is rather than where it
/// sits in the grid: FNV-1a (64 bit) of its `path=value` pairs, each ended
/// by a newline, then one SplitMix64 step to spread the bits. A point with
/// no axis value (a plain run) is 0. Inserting a value into an axis leaves
/// every other point's streams, and so its results, unchanged.
pub fn point_key<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut any = false;
    for (path, value) in pairs {
        any = true;
        for b in path.bytes().chain([b'=']).chain(value.bytes()).chain([b'\n']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    if any {
        splitmix64(&mut h)
    } else {
        0
    }
}

/// The stream for `(seed, point, replication, stream_id)`.
///
/// The four keys are absorbed one at a time through SplitMix64, so streams
/// differing in any key start from unrelated states; the 256-bit state is
/// then four further SplitMix64 outputs (never all zero in practice; a zero
/// state is replaced as the generator requires).
pub fn stream(seed: u64, point: u64, replication: u64, stream_id: u64) -> SimRng {
    let mut s = seed;
    for key in [point, replication, stream_id] {
        s = splitmix64(&mut s) ^ key;
    }
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut s).to_le_bytes());
    }
    SimRng::from_seed(bytes)
}

/// What a source's random stream is for. Each purpose has its own stream,
/// so changing one part of a model (a capacity, a patience) leaves the other
/// draws unchanged, and tiers compared at one sweep point see the same callers.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Arrival times.
    Arrivals = 0,
    /// Holding times (and a campaign's ring times).
    Holding = 1,
    /// Patience.
    Patience = 2,
    /// Redial decisions and delays.
    Redial = 3,
    /// Turn intervals.
    Turns = 4,
    /// Request service times.
    Requests = 5,
    /// Request retry jitter.
    Retry = 6,
    /// Silence patience.
    Silence = 7,
    /// Day-level overdispersion multipliers.
    Days = 8,
    /// A campaign's dial outcomes.
    Outcomes = 9,
}

/// Stream ids reserved per source; purposes below it can be added without
/// moving any other stream.
const STREAMS_PER_SOURCE: u64 = 16;

/// The stream of `source` for `purpose`, in replication `replication` of
/// sweep point `point`.
pub fn source_stream(seed: u64, point: u64, replication: u64, source: usize, purpose: Purpose) -> SimRng {
    stream(seed, point, replication, source as u64 * STREAMS_PER_SOURCE + purpose as u64)
}

/// The stream shared by all limits: copy selection and setup times.
pub fn routing_stream(seed: u64, point: u64, replication: u64) -> SimRng {
    stream(seed, point, replication, u64::MAX)
}

/// The stream of limits' failures and health probes (its own, so that a
/// model without failures draws nothing from it and others keep theirs).
pub fn failure_stream(seed: u64, point: u64, replication: u64) -> SimRng {
    stream(seed, point, replication, u64::MAX - 1)
}

/// The stream of incidents' random outage and repair times.
pub fn incident_stream(seed: u64, point: u64, replication: u64) -> SimRng {
    stream(seed, point, replication, u64::MAX - 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_are_fixed_and_distinct() {
        // A golden value: the derivation is part of the determinism contract.
        let mut r = stream(2026, 0, 0, 0);
        let first = r.next_u64();
        assert_eq!(first, stream(2026, 0, 0, 0).next_u64());
        assert_eq!(first, GOLDEN_FIRST_DRAW);
        let others = [stream(2026, 1, 0, 0), stream(2026, 0, 1, 0), stream(2026, 0, 0, 1), stream(2027, 0, 0, 0)];
        for mut o in others {
            assert_ne!(o.next_u64(), first);
        }
    }

    const GOLDEN_FIRST_DRAW: u64 = 18_397_975_891_452_852_762;
}
