// philox.cuh: Philox4x32-10 (Salmon et al., SC 2011), the counter-based generator behind dropout.
//
// The same function as Backends/Philox.cs, line for line: a random word is a pure function of a
// key and a counter, so thread i computes element i's number directly and the CPU and the GPU
// draw identical dropout masks without storing or copying them.
#pragma once

struct PhiloxWords {
    unsigned int word[4];
};

// Ten rounds of Philox4x32 on the counter (c0, c1, c2, c3) with the key (k0, k1).
__device__ inline PhiloxWords philox4x32_10(unsigned int c0, unsigned int c1, unsigned int c2, unsigned int c3,
                                            unsigned int k0, unsigned int k1)
{
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += 0x9E3779B9u;  // the key schedule's Weyl constants
            k1 += 0xBB67AE85u;
        }
        unsigned long long product0 = 0xD2511F53ull * c0;
        unsigned long long product1 = 0xCD9E8D57ull * c2;
        unsigned int hi0 = (unsigned int)(product0 >> 32), lo0 = (unsigned int)product0;
        unsigned int hi1 = (unsigned int)(product1 >> 32), lo1 = (unsigned int)product1;
        unsigned int next0 = hi1 ^ c1 ^ k0;
        unsigned int next2 = hi0 ^ c3 ^ k1;
        c0 = next0;
        c1 = lo1;
        c2 = next2;
        c3 = lo0;
    }
    PhiloxWords result = {{c0, c1, c2, c3}};
    return result;
}

// Dropout's mapping (see Philox.cs): the four words for elements 4q … 4q+3 of a call, keyed by the
// seed, counted by (q, offset).
__device__ inline PhiloxWords philox_quad(unsigned long long seed, unsigned long long offset, unsigned long long quad)
{
    return philox4x32_10((unsigned int)quad, (unsigned int)(quad >> 32),
                         (unsigned int)offset, (unsigned int)(offset >> 32),
                         (unsigned int)seed, (unsigned int)(seed >> 32));
}

// The top 24 bits of a word as a float in [0, 1): every value exactly representable.
__device__ inline float philox_uniform(unsigned int word)
{
    return (float)(word >> 8) * (1.0f / 16777216.0f);
}
