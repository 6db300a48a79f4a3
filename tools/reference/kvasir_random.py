"""Java's java.util.SplittableRandom and Kvasir's Seeds.stream, bit for bit, so that the fixtures can
be regenerated from a seed on both sides (the Java tests draw the same statistics) and CaM's seeded
Bernoulli draws can be replayed.

SplittableRandom (JDK): seed += GOLDEN_GAMMA; nextLong = mix64(seed); nextDouble = (nextLong >>> 11) * 2^-53.
"""

MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def _mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class SplittableRandom:
    def __init__(self, seed):
        self.seed = seed & MASK

    def next_long(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & MASK
        return _mix64(self.seed)

    def next_double(self):
        return (self.next_long() >> 11) * (1.0 / (1 << 53))


def seeds_stream(seed, layer, kv_head):
    """Kvasir's Seeds.stream(seed, layer, kvHead): one stream per (layer, KV head)."""
    s = (seed * 0x9E3779B97F4A7C15 + layer * 0xBF58476D1CE4E5B9 + kv_head * 0x94D049BB133111EB) & MASK
    return SplittableRandom(s ^ (s >> 31))
