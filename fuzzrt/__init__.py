"""fuzzrt: a WebAssembly 2.0 runtime JIT-compiled through llvmlite (the ``runtime``
package) and the tooling around it -- the spec-testsuite runner, the fuzzing
harness that compares the runtime with wasmtime, and the ``fuzzrt`` CLI."""
