"""Implementation limits, mirroring wasmparser (the validator inside wasmtime).

The Wasm spec lets an implementation bound the size of a module.  We use the
figures wasmparser enforces so that (a) a module our runtime rejects for size is
one the reference engine rejects too, keeping differential fuzzing quiet, and
(b) huge fuzz inputs (a million locals, a function with a million-entry
signature) fail in microseconds instead of burning CPU in the validator and the
JIT.  Each figure was cross-checked against ``wasmtime.Module.validate`` of the
pinned wasmtime release where that was practical.

Table sizes are bounded only by the u32 limits here, as in wasmparser: a huge
table is refused when it is allocated (``runtime.vm.table.MAX_TABLE_ELEMENTS``,
a ``ResourceLimitError`` at instantiation), so validation agrees with wasmtime.
"""
from __future__ import annotations

#: Entries in each index space / section.
MAX_TYPES = 1_000_000
MAX_FUNCTIONS = 1_000_000
MAX_IMPORTS = 1_000_000
MAX_EXPORTS = 1_000_000
MAX_GLOBALS = 1_000_000
MAX_ELEMENT_SEGMENTS = 100_000
MAX_DATA_SEGMENTS = 100_000
MAX_TABLES = 100

#: Per function type.
MAX_FUNCTION_PARAMS = 1_000
MAX_FUNCTION_RETURNS = 1_000

#: Per function body: parameters plus declared locals.
MAX_FUNCTION_LOCALS = 50_000
#: Bytes in one function body (the code-section entry, size field excluded).
#: Only the decoder knows the exact byte size; the validator enforces the bound
#: it implies on the instruction count (every instruction takes a byte or more).
MAX_FUNCTION_SIZE = 7_654_321

#: Bytes in a name (import module/field, export name).
MAX_STRING_SIZE = 100_000

#: 32-bit memories: 65536 pages of 64 KiB is the whole 4 GiB address space.
MAX_MEMORY_PAGES = 65_536
#: Table limits are u32 in the binary format.
MAX_TABLE_LIMIT = 0xFFFF_FFFF
