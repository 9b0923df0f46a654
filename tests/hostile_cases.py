"""Every hostile input of the robustness issue as a :class:`tests.hostile.Case`.

The code of each case uses only calls that the version before the fixes had too, so the
benchmark can run the same case against both and print what changed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tarfile
from pathlib import Path

from tests.hostile import (
    MIB,
    Case,
    ZeroRunGzip,
    csv_rows,
    deep_json,
    dumps,
    edit_keras_config,
    end_of_tar,
    imdb_members,
    keras_layers,
    sparse,
    tar_member,
    writes,
    zip_with_zero_member,
)

GIB = 1 << 30
LOAD_IMDB = (
    "from sentiment_core.data import load_imdb\n"
    "imdb = load_imdb(target, download=False)\n"
    "result = f'{len(imdb.train)} + {len(imdb.test)} reviews'"
)
LOAD_TABLE = "from sentiment_core.data import load_table\nresult = len(load_table(target / 'data.csv'))"
LIST_MODELS = "from sentiment_core.store import ModelStore\nresult = [m.name for m in ModelStore(target).list()]"
LOAD_BROKEN = "from sentiment_core.store import ModelStore\nresult = ModelStore(target).load('broken').name"


# -- shared resources: well-formed models in the format both versions read --------------------


def legacy_model(folder: Path, variant: str) -> Path:
    """A small, valid model folder in format 1 (``model.keras``), built with Keras."""

    from sentiment_core.config import ModelConfig
    from sentiment_core.models import blank_start, build_model
    from sentiment_core.text import Vocabulary

    config = ModelConfig(variant=variant, vocab_size=40, seq_len=20, embedding_dim=8, filters=4, bigram_buckets=97)
    vocabulary = Vocabulary(size=40).fit(["a good film", "a bad film", "the plot was dull", "the cast was superb"])
    folder.mkdir(parents=True)
    model = build_model(config, blank_start(config))
    model.save(folder / "model.keras")
    writes(folder / "vocabulary.json", dumps({"words": vocabulary.words_, "counts": vocabulary.counts_}))
    manifest = {
        "format": 1, "name": folder.name, "saved_at": "2026-11-01T10:00:00", "model_config": config.to_dict(),
        "train_config": {"epochs": 1}, "class_names": ["negative", "positive"],
        "metrics": {"test_accuracy": 0.5}, "history": {"epoch": [1]}, "data": {}, "device": {"name": "CPU"},
    }
    writes(folder / "manifest.json", dumps(manifest))
    return folder


def make_resources(root: Path) -> dict:
    return {"good": legacy_model(root / "good", "multicnn"), "good_fasttext": legacy_model(root / "good_fasttext", "fasttext")}


def with_good(target: Path, resources: dict) -> None:
    shutil.copytree(resources["good"], target / "good")


def broken_copy(target: Path, resources: dict, key: str = "good") -> Path:
    with_good(target, resources)
    broken = target / "broken"
    shutil.copytree(resources[key], broken)
    return broken


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def set_manifest(folder: Path, manifest) -> None:
    (folder / "manifest.json").write_bytes(manifest if isinstance(manifest, bytes) else dumps(manifest))


# -- IMDB archives and folders --------------------------------------------------------------------


def archive(target: Path, hostile) -> None:
    gz = ZeroRunGzip(target / "aclImdb_v1.tar.gz")
    imdb_members(gz)
    hostile(gz)
    end_of_tar(gz)
    gz.close()


def review_of_2_gib(target, _):
    archive(target, lambda gz: tar_member(gz, "aclImdb/train/pos/99_10.txt", 2 * GIB))


def urls_of_30_mb(target, _):
    line = b"http://www.imdb.com/title/tt0000001/usercomments\n"
    archive(target, lambda gz: tar_member(gz, "aclImdb/train/urls_pos.txt", line * (30 * MIB // len(line))))


def endless_gzip(target, _):
    gz = ZeroRunGzip(target / "aclImdb_v1.tar.gz")
    imdb_members(gz)
    end_of_tar(gz)
    gz.zeros(3 * GIB)  # the tar has ended; the gzip stream goes on
    gz.close()


def many_members(target, _):
    header = tarfile.TarInfo("aclImdb/padding")
    block = header.tobuf(format=tarfile.USTAR_FORMAT)

    def members(gz):
        for _ in range(260):
            gz.write(block * 1000)

    archive(target, members)


def pax_header_of_1_gib(target, _):
    archive(target, lambda gz: tar_member(gz, "././@PaxHeader", GIB, kind=tarfile.XHDTYPE))


def many_large_reviews(target, _):
    def reviews(gz):
        for i in range(210):  # each just under the one-review limit, 210 MB in all
            tar_member(gz, f"aclImdb/train/neg/{1000 + i}_1.txt", MIB - 1)

    archive(target, reviews)


def fifo_archive(target, _):
    os.mkfifo(target / "aclImdb_v1.tar.gz")


def folder_with_sparse_review(target, _):
    for split in ("train", "test"):
        for polarity, rating in (("pos", 9), ("neg", 2)):
            writes(target / "aclImdb" / split / polarity / f"0_{rating}.txt", b"A review.")
    sparse(target / "aclImdb" / "train" / "pos" / "1_9.txt", 2 * GIB)


# -- the user's own files ----------------------------------------------------------------------------


def csv_of(size: int):
    return lambda target, _: writes(target / "data.csv", csv_rows(size))


def sparse_csv(target, _):
    sparse(target / "data.csv", 200 * MIB)


def csv_bytes(data: bytes):
    return lambda target, _: writes(target / "data.csv", data)


def random_junk(target, _):
    generator = random.Random(7)
    junk = bytes(generator.choice([b for b in range(1, 256)]) for _ in range(50_000))
    writes(target / "data.csv", junk)


def class_folders(extra):
    def build(target, _):
        for label, text in (("pos", "a superb film"), ("neg", "a dull film")):
            for i in range(3):
                writes(target / "reviews" / label / f"{i}.txt", f"{text} {i}".encode())
        extra(target / "reviews")

    return build


LOAD_FOLDER = (
    "from sentiment_core.data import load_folder\n"
    "data = load_folder(target / 'reviews')\n"
    "result = (len(data), any('root:' in t for t in data.texts), data.notes)"
)


# -- models ----------------------------------------------------------------------------------------


def manifest_case(change):
    def build(target, resources):
        folder = broken_copy(target, resources)
        set_manifest(folder, change(manifest_of(folder)))

    return build


def weights_of_3_gib(target, resources):
    folder = broken_copy(target, resources)
    zip_with_zero_member(folder / "model.keras", {"metadata.json": b"{}", "config.json": b"{}"}, "model.weights.h5", 3 * GIB)


def h5_dataset_bomb(target, resources):
    import io

    import h5py

    folder = broken_copy(target, resources)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        # Declares 8 GB of float32 but stores nothing: Keras would allocate it on reading.
        h5.create_dataset("layers/embedding/vars/0", shape=(2_000_000_000,), dtype="float32", chunks=(1 << 20,),
                          compression="gzip")
    replace_zip_member(folder / "model.keras", "model.weights.h5", buffer.getvalue())


def replace_zip_member(path: Path, name: str, data: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def huge_fasttext_buckets(target, resources):
    folder = broken_copy(target, resources, "good_fasttext")
    manifest = manifest_of(folder)
    manifest["model_config"]["bigram_buckets"] = 2**61 - 1
    set_manifest(folder, manifest)

    def bigger(config):
        for layer in keras_layers(config):
            if layer["class_name"] in ("AppendBigrams", "HashedNgrams"):
                layer["config"]["buckets"] = 2**61 - 1

    edit_keras_config(folder / "model.keras", bigger)


def embedding_of_2e9_rows(target, resources):
    folder = broken_copy(target, resources)
    manifest = manifest_of(folder)
    manifest["model_config"]["vocab_size"] = 2_000_000_000
    set_manifest(folder, manifest)

    def bigger(config):
        for layer in keras_layers(config):
            if layer["class_name"] == "Embedding":
                layer["config"]["input_dim"] = 2_000_000_000

    edit_keras_config(folder / "model.keras", bigger)


def plain_folder(target, _):
    writes(target / "photos" / "holiday.jpg", b"\xff\xd8\xff not really")


def leftovers(target, resources):
    with_good(target, resources)
    stale = [target / ".saving-m-1a2b3c", target / ".deleting-old-9f8e7d6c", target / ".saving-empty-x"]
    writes(stale[0] / "model.keras", b"half a model")
    writes(stale[1] / "model.keras", b"a model being deleted")
    stale[2].mkdir()
    writes(target / ".aclImdb-q1w2e3.part", b"half a download")
    for path in stale + [target / ".aclImdb-q1w2e3.part"]:
        os.utime(path, (1_600_000_000, 1_600_000_000))  # long ago: abandoned, not in progress


SWEEP = (
    "from sentiment_core.data import find_imdb\n"
    "from sentiment_core.store import ModelStore\n"
    "ModelStore(target); find_imdb(target)\n"
    "result = sorted(p.name for p in target.iterdir())"
)

def tampered_files() -> dict[str, tuple[str, object]]:
    """Broken manifests and vocabularies: id -> (file, a change to its parsed JSON, or raw bytes)."""
    manifest = {
        "format-text": {"format": "1"}, "format-newer": {"format": 99}, "format-negative": {"format": -1},
        "config-list": {"model_config": []}, "config-no-variant": {"model_config": {"vocab_size": 40}},
        "classes-text": {"class_names": "negative,positive"}, "classes-numbers": {"class_names": [1, 2]},
        "classes-repeated": {"class_names": ["a", "a"]}, "classes-long": {"class_names": ["x" * 1000, "y"]},
        "classes-three": {"class_names": ["a", "b", "c"]}, "saved-at-number": {"saved_at": 123},
        "saved-at-object": {"saved_at": {"$date": 1}}, "metrics-list": {"metrics": []},
        "accuracy-text": {"metrics": {"test_accuracy": "high"}}, "accuracy-7": {"metrics": {"test_accuracy": 7}},
        "confusion-1x1": {"metrics": {"confusion_matrix": [[1]]}}, "best-epoch-fraction": {"metrics": {"best_epoch": 1.5}},
        "history-list": {"history": []}, "history-loss-text": {"history": {"loss": "x"}}, "data-list": {"data": []},
        "data-train-text": {"data": {"train": "imdb"}}, "device-text": {"device": "cpu"},
        "train-rate-text": {"train_config": {"learning_rate": "fast"}}, "train-epochs-negative": {"train_config": {"epochs": -3}},
    }
    model_config = {
        "variant-number": 5, "variant-unknown": "transformer", "vocab-text": "5000", "vocab-float": 1e308,
        "vocab-huge": 10**30, "vocab-bool": True, "seq-negative": -1, "embedding-2**40": 2**40, "kernels-number": 5,
        "kernels-text": ["a"], "kernels-wide": [1000], "dropout-text": "0.5", "dropout-1.5": 1.5, "pooling-object": {},
        "keep-list": ["start"], "classes-0": 0, "buckets-2**61": 2**61 - 1, "filters-million": 10**6,
    }
    fields = {
        "variant-number": "variant", "variant-unknown": "variant", "vocab-text": "vocab_size", "vocab-float": "vocab_size",
        "vocab-huge": "vocab_size", "vocab-bool": "vocab_size", "seq-negative": "seq_len", "embedding-2**40": "embedding_dim",
        "kernels-number": "kernel_sizes", "kernels-text": "kernel_sizes", "kernels-wide": "kernel_sizes",
        "dropout-text": "dropout", "dropout-1.5": "dropout", "pooling-object": "pooling", "keep-list": "keep",
        "classes-0": "num_classes", "buckets-2**61": "bigram_buckets", "filters-million": "filters",
    }
    files: dict[str, tuple[str, object]] = {
        f"manifest-{key}": ("manifest.json", lambda m, change=change: {**m, **change}) for key, change in manifest.items()
    }
    for key, value in model_config.items():
        files[f"config-{key}"] = ("manifest.json", lambda m, f=fields[key], v=value: {**m, "model_config": {**m["model_config"], f: v}})
    files.update({
        "manifest-nan": ("manifest.json", lambda m: json.dumps(m).replace('"dropout": 0.5', '"dropout": NaN').encode()),
        "manifest-deep-config": ("manifest.json", lambda m: json.dumps(m).replace('"model_config": {', '"model_config": ' + "[" * 50_000 + "]" * 50_000 + ', "x": {').encode()),
        "manifest-latin1": ("manifest.json", lambda m: json.dumps(m).encode().replace(b"CPU", b"C\xe9PU")),
        "manifest-9mb": ("manifest.json", lambda m: b" " * (9 * MIB) + json.dumps(m).encode()),
        "vocabulary-list": ("vocabulary.json", lambda v: []), "vocabulary-words-text": ("vocabulary.json", lambda v: {"words": "abc"}),
        "vocabulary-no-pad": ("vocabulary.json", lambda v: {**v, "words": v["words"][2:]}),
        "vocabulary-repeats": ("vocabulary.json", lambda v: {**v, "words": v["words"] + v["words"][2:3]}),
        "vocabulary-too-long": ("vocabulary.json", lambda v: {**v, "words": v["words"] + [f"w{i}" for i in range(40)]}),
        "vocabulary-counts-list": ("vocabulary.json", lambda v: {**v, "counts": [1]}),
        "vocabulary-counts-text": ("vocabulary.json", lambda v: {**v, "counts": {"a": "x"}}),
        "vocabulary-number-word": ("vocabulary.json", lambda v: {**v, "words": v["words"] + [5]}),
        "vocabulary-deep": ("vocabulary.json", lambda v: deep_json(100_000)),
        "vocabulary-missing": ("vocabulary.json", None),
    })
    return files


def tampered_folders(target, resources):
    """One models folder per variant (``t-NN-<what>/m``), so each is loaded on its own."""
    for i, (key, (name, change)) in enumerate(sorted(tampered_files().items())):
        folder = target / f"t-{i:02d}-{key.replace('*', '')}" / "m"
        shutil.copytree(resources["good"], folder)
        if change is None:
            (folder / name).unlink()
            continue
        new = change(json.loads((folder / name).read_text()))
        (folder / name).write_bytes(new if isinstance(new, bytes) else dumps(new))


LOAD_EVERY_TAMPERED = (
    "from sentiment_core.store import ModelStore\n"
    "result = {}\n"
    "for folder in sorted(p for p in target.iterdir() if p.name.startswith('t-')):\n"
    "    try:\n"
    "        ModelStore(folder).load('m'); result[folder.name] = 'loaded'\n"
    "    except Exception as err:\n"
    "        result[folder.name] = 'ValueError' if isinstance(err, ValueError) else type(err).__name__\n"
    "result = {kind: sum(v == kind for v in result.values()) for kind in sorted(set(result.values()))}"
)

# ------------------------------------------------------------------------------------------------------

CASES = [
    # IMDB archive and folder
    Case("imdb-review-2gib", "IMDB archive: one 2 GiB review (9 MB compressed)", review_of_2_gib, LOAD_IMDB,
         match=r"99_10\.txt is 2,048\.0 MB.*download"),
    Case("imdb-urls-30mb", "IMDB archive: urls_pos.txt of 30 MB", urls_of_30_mb, LOAD_IMDB,
         match=r"urls_pos\.txt is 30\.0 MB.*download"),
    Case("imdb-endless-gzip", "IMDB archive: 3 GiB of zeros after the tar's end", endless_gzip, LOAD_IMDB,
         match=r"aclImdb_v1\.tar\.gz.*unpacks to more than.*download"),
    Case("imdb-many-members", "IMDB archive: 260,000 members", many_members, LOAD_IMDB,
         match=r"aclImdb_v1\.tar\.gz.*more than 120,000 files.*download"),
    Case("imdb-pax-1gib", "IMDB archive: a 1 GiB pax header", pax_header_of_1_gib, LOAD_IMDB,
         match=r"aclImdb_v1\.tar\.gz.*unpacks to more than.*download"),
    Case("imdb-reviews-210mb", "IMDB archive: 210 reviews of 1 MB each", many_large_reviews, LOAD_IMDB,
         match=r"aclImdb_v1\.tar\.gz.*reviews come to more than.*download"),
    Case("imdb-fifo", "IMDB archive name is a FIFO", fifo_archive, LOAD_IMDB, match=r"aclImdb_v1\.tar\.gz is a named pipe.*replace it with the real file"),
    Case("imdb-folder-2gib", "IMDB folder: a sparse 2 GiB review file", folder_with_sparse_review, LOAD_IMDB,
         match=r"1_9\.txt is 2,048\.0 MB.*download"),
    # uploads and CSV/TSV
    Case("csv-200mb", "CSV of 200 MB (over the upload limit)", csv_of(200 * MIB), LOAD_TABLE,
         match=r"data\.csv is 200\.0 MB; the limit is 100\.0 MB: split it"),
    Case("csv-99mb", "CSV of 99 MB (at the upload limit): must load", csv_of(99 * MIB), LOAD_TABLE, expect="ok",
         match=r"^\d{6,}$"),
    Case("csv-sparse-200mb", "CSV: a sparse 200 MB file", sparse_csv, LOAD_TABLE, match=r"data\.csv is 200\.0 MB.*split it"),
    Case("csv-field-200kb", "CSV: a 200 KiB field (over csv's 128 KiB)",
         csv_bytes(b"text,label\n" + b"x" * 200_000 + b",1\nshort,0\n"), LOAD_TABLE, expect="ok", match=r"^2$"),
    Case("csv-field-2m", "CSV: a 2 M-character field", csv_bytes(b"text,label\n" + b"x" * 2_000_000 + b",1\n"), LOAD_TABLE,
         match=r"data\.csv, line 2: a field is longer than 1,000,000 characters.*quote"),
    Case("csv-unclosed-quote", "CSV: a quote that is never closed",
         csv_bytes(b'text,label\n"good film,1\nbad film,0\n'), LOAD_TABLE, match=r"data\.csv, line \d: a quote .* never closed"),
    Case("csv-cr-only", "CSV with CR-only line endings", csv_bytes(b"text,label\rgood film,1\rbad film,0\r"), LOAD_TABLE,
         expect="ok", match=r"^2$"),
    Case("csv-junk", "CSV: binary junk without a NUL byte", random_junk, LOAD_TABLE, match=r"data\.csv is a binary file.*check that it is what its name says"),
    Case("csv-junk-batch", "Batch upload: binary junk", random_junk,
         "from sentiment_core.data import read_texts\nresult = read_texts(target / 'data.csv')",
         match=r"data\.csv is a binary file"),
    Case("csv-junk-cli", "CLI train --data junk.csv (exit code)", random_junk,
         "from sentiment_core.cli import main\n"
         "result = main(['--models-dir', str(target / 'm'), 'train', '--no-save', '--data', str(target / 'data.csv')])",
         expect="ok", match=r"^2$"),
    Case("csv-mixed-encodings", "CSV: UTF-8 and Latin-1 lines mixed",
         csv_bytes("text,label\ncafé crème,1\n".encode() + "naïve plot,0\n".encode("latin-1")),
         "from sentiment_core.data import load_table\nresult = load_table(target / 'data.csv').texts",
         expect="ok", match=r"café crème.*naïve plot"),
    Case("csv-headerless", "CSV without a header row", csv_bytes(b"great film,1\nawful film,0\nfine film,1\n"),
         "from sentiment_core.data import load_table\nresult = load_table(target / 'data.csv').texts",
         expect="ok", match=r"great film.*awful film.*fine film"),
    Case("csv-too-small", "CSV of 3 rows, split for training", csv_bytes(b"text,label\ngood,1\nbad,0\nfine,1\n"),
         "from sentiment_core.data import load_table, train_val_test_split\n"
         "result = train_val_test_split(load_table(target / 'data.csv'))",
         match=r"data\.csv: 3 texts .* too few to split .* give at least"),
    # class folders
    Case("folder-link", "Class folder: a link to /etc/passwd",
         class_folders(lambda root: os.symlink("/etc/passwd", root / "pos" / "passwd.txt")), LOAD_FOLDER,
         expect="ok", match=r"\(6, False, .*Skipped 1 symbolic link \(not followed.*pos/passwd\.txt"),
    Case("folder-thumbs-db", "Class folder: Thumbs.db",
         class_folders(lambda root: writes(root / "neg" / "Thumbs.db", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))),
         LOAD_FOLDER, expect="ok", match=r"\(6, False, .*Skipped 1 file that is not text \(binary or compressed\): neg/Thumbs\.db"),
    Case("folder-fifo", "Class folder: a FIFO", class_folders(lambda root: os.mkfifo(root / "pos" / "pipe.txt")), LOAD_FOLDER,
         expect="ok", match=r"\(6, False, .*Skipped 1 entry that is not a regular file.*pos/pipe\.txt"),
    Case("folder-sparse-2gib", "Class folder: a sparse 2 GiB file",
         class_folders(lambda root: sparse(root / "pos" / "huge.txt", 2 * GIB)), LOAD_FOLDER,
         expect="ok", match=r"\(6, False, .*Skipped 1 file larger than one example \(over 1\.0 MB\): pos/huge\.txt"),
    # downloads
    Case("download-unwritable", "download into an unwritable folder (/sys)", lambda target, _: None,
         "from sentiment_core.data import download_imdb\nresult = download_imdb(target, url='http://127.0.0.1:9/x')",
         match=r"Cannot (write into|create) the data folder /sys .*SENTIMENT_DATA_DIR", target="/sys"),
    # the model store
    Case("store-manifest-list", "manifest.json is []", manifest_case(lambda m: []), LIST_MODELS, expect="ok",
         match=r"^\['good'\]$"),
    Case("store-manifest-null", "manifest.json is null", manifest_case(lambda m: None), LIST_MODELS, expect="ok",
         match=r"^\['good'\]$"),
    Case("store-manifest-no-config", "manifest.json lacks model_config",
         manifest_case(lambda m: {k: v for k, v in m.items() if k != "model_config"}), LIST_MODELS, expect="ok",
         match=r"^\['good'\]$"),
    Case("store-saved-at-number", "manifest.json: saved_at is a number", manifest_case(lambda m: {**m, "saved_at": 5}),
         LIST_MODELS, expect="ok", match=r"^\['good'\]$"),
    Case("store-deep-manifest", "manifest.json nested 100,000 deep", manifest_case(lambda m: deep_json(100_000)),
         LIST_MODELS, expect="ok", match=r"^\['good'\]$"),
    Case("store-classes-mismatch", "3 class names for a 2-output model",
         manifest_case(lambda m: {**m, "class_names": ["a", "b", "c"]}), LOAD_BROKEN,
         match=r"'broken' cannot be used: manifest\.json names 3 classes but the model has 2 outputs.*delete it"),
    Case("store-delete-plain-folder", "delete NAME of a plain folder", plain_folder,
         "from sentiment_core.store import ModelStore\nModelStore(target).delete('photos')",
         match=r"photos is not a saved model.*left as it is"),
    Case("store-leftovers", "leftovers of killed saves, deletes and downloads", leftovers, SWEEP, expect="ok",
         match=r"^\['good'\]$"),
    Case("model-weights-3gib", "model.keras (3 MB) whose weights unpack to 3 GiB", weights_of_3_gib, LOAD_BROKEN,
         match=r"'broken' cannot be used: model\.keras: its weights unpack to 3,221,225,472 bytes.*delete it"),
    Case("model-h5-8gb-dataset", "weights file declaring an 8 GB array", h5_dataset_bomb, LOAD_BROKEN,
         match=r"'broken' cannot be used: model\.keras/model\.weights\.h5 does not hold this model's weights: .* shape \(2000000000,\).*delete it"),
    Case("model-fasttext-buckets", "fastText buckets = 2**61 - 1", huge_fasttext_buckets, LOAD_BROKEN,
         match=r"'broken' cannot be used: .*bigram_buckets must be a whole number from 1 to 10000000.*delete it"),
    Case("model-embedding-2e9", "an Embedding of 2e9 rows", embedding_of_2e9_rows, LOAD_BROKEN,
         match=r"'broken' cannot be used: .*vocab_size must be a whole number from 3 to 2000000.*delete it"),
    Case("store-tampered-json", f"{len(tampered_files())} tampered manifests and vocabularies, each loaded", tampered_folders,
         LOAD_EVERY_TAMPERED, expect="ok", match=rf"^\{{'ValueError': {len(tampered_files())}\}}$"),
]
