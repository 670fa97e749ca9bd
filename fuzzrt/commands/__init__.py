"""Subcommands of the ``fuzzrt`` CLI.

Each module here defines ``register(subparsers)``, which adds its parser and
sets ``handler`` (a function ``args -> exit status``).  Adding a command means
adding a module and naming it below; modules import heavy things (the runtime)
inside their handler, so ``fuzzrt --help`` stays fast and always works.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "fuzzrt.commands.main",
    "fuzzrt.commands.spec",
    "fuzzrt.commands.bench",
    "fuzzrt.commands.run",
    "fuzzrt.commands.fuzz",
    "fuzzrt.commands.repro",
    "fuzzrt.commands.shrink",
    "fuzzrt.commands.targets",
    "fuzzrt.commands.report",
    "fuzzrt.commands.corpus",
)
