"""``python -m sentiment_core train|evaluate|predict|check|list|delete|download``.

``main.py`` parses the command line, ``train.py`` trains (here, on the queue, or K folds),
``models.py`` uses saved models, ``common.py`` holds what both read and print.
"""

from .main import main

__all__ = ["main"]
