/* A bytecode interpreter: a stack machine with a switch-dispatch loop (br_table), running a
 * small program with nested loops, a linear-congruential mix and a call/return pair.
 * Indirect branches, loads of the code array and a value stack in memory.  Size: outer
 * iterations of the interpreted program. */
#include "bench.h"

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, AND, XOR, SHR, LT, JZ, JMP, DUP, POP, CALL, RET, HALT };

/* locals: 0 = n, 1 = i, 2 = acc, 3 = x, 4 = j */
static const int64_t program[] = {
    PUSH, 0, STORE, 1,                      /*  0: i = 0 */
    PUSH, 0, STORE, 2,                      /*  4: acc = 0 */
    LOAD, 1, LOAD, 0, LT, JZ, 66,           /*  8: while i < n */
    LOAD, 1, PUSH, 7, MUL, PUSH, 3, ADD, STORE, 3,   /* 15: x = i*7 + 3 */
    PUSH, 0, STORE, 4,                      /* 25: j = 0 */
    LOAD, 4, PUSH, 16, LT, JZ, 57,          /* 29: while j < 16 */
    CALL, 68,                               /* 36: x = step(x) */
    LOAD, 2, LOAD, 3, XOR, LOAD, 4, ADD, STORE, 2,   /* 38: acc = (acc ^ x) + j */
    LOAD, 4, PUSH, 1, ADD, STORE, 4,        /* 48: j++ */
    JMP, 29,                                /* 55 */
    LOAD, 1, PUSH, 1, ADD, STORE, 1,        /* 57: i++ */
    JMP, 8,                                 /* 64 */
    HALT,                                   /* 66 */
    HALT,                                   /* 67 */
    LOAD, 3, PUSH, 1103515245, MUL, PUSH, 12345, ADD,    /* 68: step: x*a + c */
    PUSH, 0x7FFFFFFF, AND, DUP, PUSH, 3, SHR, XOR, STORE, 3, RET,
};

static int64_t run(const int64_t *code, int64_t n) {
    int64_t stack[64], locals[8] = {n}, calls[16];
    int sp = 0, csp = 0;
    long pc = 0;
    for (;;) {
        switch (code[pc++]) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = locals[code[pc++]]; break;
        case STORE: locals[code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHR: sp--; stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> stack[sp]); break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: { int64_t t = code[pc++]; if (!stack[--sp]) pc = t; break; }
        case JMP: pc = code[pc]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case POP: sp--; break;
        case CALL: calls[csp++] = pc + 1; pc = code[pc]; break;
        case RET: pc = calls[--csp]; break;
        case HALT: return locals[2];
        default: printf("bad opcode at %ld\n", pc - 1); exit(1);
        }
    }
}

int main(int argc, char **argv) {
    long n = bench_size(argc, argv, 250000);
    uint64_t acc = (uint64_t)run(program, n);
    bench_report("interp", n, acc);
    return 0;
}
