"""Data sets: IMDB (Maas et al. 2011) from its archive or folder, the user's own files, splits.

Every loader returns a :class:`Dataset`: texts, integer labels, class names, and notes that say
what was repaired or skipped on the way. Problems a user can fix raise :class:`DataError` (a
``ValueError``) with a message that names the file and says what to do. Every reader is bounded
(sizes, counts, bytes in memory) so that a crafted or broken file costs a message, not the machine.

    dataset.py   Dataset, DataError, labels to classes
    reading.py   regular files only, size limits, text decoded line by line
    imdb.py      finding and reading IMDB (archive streamed, or folder)
    download.py  downloading IMDB (MD5-checked, renamed into place when complete)
    tables.py    CSV/TSV files and uploads
    files.py     one line file per class, one sub-folder per class
    splits.py    seeded stratified splits and subsets
"""

from .dataset import BINARY_CLASSES, DataError, Dataset, labelled_dataset
from .download import download_imdb
from .files import load_folder, load_line_files, load_user_data
from .imdb import IMDB_ARCHIVE_NAME, IMDB_CLASSES, IMDB_MD5, IMDB_URL, ImdbData, find_imdb, imdb_status, load_imdb
from .reading import decode_text, read_bounded
from .splits import imdb_splits, stratified_split, stratified_subset, train_val_test_split
from .tables import MAX_BATCH_TEXTS, MAX_TABLE_BYTES, BatchTable, TableColumns, load_table, read_rows, read_texts, table_columns

__all__ = [
    "BINARY_CLASSES", "DataError", "Dataset", "labelled_dataset", "download_imdb", "load_folder", "load_line_files",
    "load_user_data", "IMDB_ARCHIVE_NAME", "IMDB_CLASSES", "IMDB_MD5", "IMDB_URL", "ImdbData", "find_imdb",
    "imdb_status", "load_imdb", "decode_text", "read_bounded", "imdb_splits", "stratified_split", "stratified_subset",
    "train_val_test_split", "MAX_BATCH_TEXTS", "MAX_TABLE_BYTES", "TableColumns", "load_table", "read_texts",
    "table_columns", "BatchTable", "read_rows",
]
