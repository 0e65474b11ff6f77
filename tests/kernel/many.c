/* Sample kernel, many-segments variant: eight small data objects, each in its own PT_LOAD. */
#include <stdint.h>

#define SEGMENT_WORD(n) __attribute__((section(".many" #n), used)) const uint32_t many_word_##n = 0x5e600000u + n
SEGMENT_WORD(0); SEGMENT_WORD(1); SEGMENT_WORD(2); SEGMENT_WORD(3);
SEGMENT_WORD(4); SEGMENT_WORD(5); SEGMENT_WORD(6); SEGMENT_WORD(7);

const unsigned many_segment_count = 8;
const uint32_t *const many_segment_ptrs[] = {
    &many_word_0, &many_word_1, &many_word_2, &many_word_3,
    &many_word_4, &many_word_5, &many_word_6, &many_word_7,
};
