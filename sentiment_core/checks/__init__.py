"""Behavioural tests for sentiment models (the ideas of CheckList: MFT, INV, DIR), our own engine.

- :mod:`.suite`: tests and suites as data, JSON in and out;
- :mod:`.perturb`: the changes INV and DIR tests apply (typos, names, filler ...);
- :mod:`.builtin`: the built-in movie-review suite;
- :mod:`.run`: running a suite against models, results, tables.
"""

from .builtin import builtin_suite
from .run import (
           ModelReport,
           CheckResult,
           capability_rates,
           case_rows,
           run_suite,
           summary_rows,
)
from .suite import (
           BehaviourTest,
           Suite,
           SuiteError,
           format_word_lists,
           load_suite,
           parse_word_lists,
           suite_from_dict,
           parse_test,
)

__all__ = [
           "BehaviourTest",
           "ModelReport",
           "Suite",
           "SuiteError",
           "CheckResult",
           "builtin_suite",
           "capability_rates",
           "case_rows",
           "format_word_lists",
           "load_suite",
           "parse_word_lists",
           "run_suite",
           "suite_from_dict",
           "summary_rows",
           "parse_test",
]
