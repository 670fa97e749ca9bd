"""Conformance and fuzzing reports: report.json (versioned schema), report.html, report.md.

``session`` runs what a report is made of (the spec run, a campaign per
target, with time series and ``runtime/`` coverage); ``inputs`` reads
results and earlier reports; ``build`` turns them into one report (merging
is the same operation); ``writer`` renders and writes the three files.
"""
from .build import ReportError, build_report
from .inputs import InputError, load
from .schema import FORMAT, SCHEMA, VERSION, check_report
from .writer import write_report

__all__ = ["FORMAT", "SCHEMA", "VERSION", "InputError", "ReportError", "build_report", "check_report", "load",
           "write_report"]
