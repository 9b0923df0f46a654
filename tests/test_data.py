import hashlib
import http.server
import threading

import numpy as np
import pytest

from sentiment_core.data import (
    DataError, download_imdb, find_imdb, imdb_status, load_imdb, load_line_files, load_table,
    load_user_data, stratified_split, stratified_subset, train_val_test_split,
)
from tests.conftest import make_dataset, write_imdb_archive


def test_reads_an_archive_in_the_original_layout(tmp_path):
    write_imdb_archive(tmp_path / "aclImdb_v1.tar.gz", per_class=3, extra_members=[("aclImdb/train/unsup/0_0.txt", b"x")])
    imdb = load_imdb(tmp_path, download=False)
    assert len(imdb.train) == 6 and len(imdb.test) == 6  # unsup/ is not labeled data
    assert imdb.train.class_counts() == {"negative": 3, "positive": 3}
    assert "<br" not in " ".join(imdb.train.texts)
    assert set(imdb.train.ratings.tolist()) == {2, 9}
    assert sorted(imdb.train.ids.tolist()) == [0, 0, 1, 1, 2, 2]
    positive = imdb.train.texts[int(np.flatnonzero(imdb.train.labels == 1)[0])]
    assert "great" in positive


def test_movie_urls_become_groups(tmp_path):
    # Line i of urls_pos.txt is the movie of review i: reviews 0 and 1 share tt01, review 2 is tt02.
    urls = b"http://www.imdb.com/title/tt01/usercomments\n" * 2 + b"http://www.imdb.com/title/tt02/usercomments\n"
    members = [(f"aclImdb/{split}/urls_{polarity}.txt", urls) for split in ("train", "test") for polarity in ("pos", "neg")]
    write_imdb_archive(tmp_path / "aclImdb_v1.tar.gz", per_class=3, extra_members=members)
    imdb = load_imdb(tmp_path, download=False)
    by_id = dict(zip(imdb.train.ids.tolist(), imdb.train.groups.tolist()))
    assert by_id == {0: "tt01", 1: "tt01", 2: "tt02"}
    # Without url lists (or with short ones) there are no groups, and splits are plain.
    (tmp_path / "other").mkdir()
    write_imdb_archive(tmp_path / "other" / "aclImdb_v1.tar.gz", per_class=3, extra_members=[("aclImdb/train/urls_pos.txt", b"tt9\n")])
    assert load_imdb(tmp_path / "other", download=False).train.groups is None


def test_grouped_split_keeps_each_movie_on_one_side():
    data = make_dataset(600)
    data.groups = np.array([f"movie{i // 6}" for i in range(600)])  # 100 movies, 6 reviews each
    rest, held = stratified_split(data, 0.1, seed=5)
    assert not set(rest.groups) & set(held.groups)
    assert 30 <= len(held) <= 90 and len(rest) + len(held) == 600
    assert abs(held.class_counts()["positive"] - held.class_counts()["negative"]) <= 12
    assert stratified_split(data, 0.1, seed=5)[1].texts == held.texts
    # A subset is exact, and a plain split ignores the groups when asked to.
    assert len(stratified_subset(data, 50, seed=1)) == 50
    _, plain = stratified_split(data, 0.1, seed=5, by_group=False)
    assert len(plain) == 60


def test_reads_an_unpacked_folder(tmp_path):
    for split in ("train", "test"):
        for polarity, rating in (("pos", 8), ("neg", 3)):
            folder = tmp_path / "aclImdb" / split / polarity
            folder.mkdir(parents=True)
            (folder / f"7_{rating}.txt").write_text(f"{polarity} review<br />here")
    imdb = load_imdb(tmp_path, download=False)
    assert len(imdb.train) == 2 and imdb.test.ratings.tolist() == [3, 8]


def test_missing_data_gives_a_message_not_a_traceback(tmp_path):
    assert find_imdb(tmp_path) is None
    status = imdb_status(tmp_path)
    assert not status["found"] and "aclImdb_v1.tar.gz" in status["message"] and str(tmp_path) in status["message"]
    with pytest.raises(DataError, match="SENTIMENT_DATA_DIR"):
        load_imdb(tmp_path, download=False)


def test_truncated_archive_is_reported(tmp_path):
    write_imdb_archive(tmp_path / "aclImdb_v1.tar.gz", per_class=50, truncate=True)
    with pytest.raises(DataError, match="not a complete IMDB archive"):
        load_imdb(tmp_path, download=False)


def test_archive_without_a_class_is_rejected(tmp_path):
    import io
    import tarfile

    with tarfile.open(tmp_path / "aclImdb_v1.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("aclImdb/train/pos/1_9.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"ok"))
    with pytest.raises(DataError, match="not the IMDB data set"):
        load_imdb(tmp_path, download=False)


class _Server:
    def __init__(self, payload: bytes, lie_about_length: bool = False):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload) * (2 if lie_about_length else 1)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/aclImdb_v1.tar.gz"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def test_download_verifies_md5_and_renames_when_complete(tmp_path):
    archive = write_imdb_archive(tmp_path / "source.tar.gz", per_class=2).read_bytes()
    server = _Server(archive)
    seen = []
    try:
        target = download_imdb(tmp_path / "data", url=server.url, md5=hashlib.md5(archive).hexdigest(), progress=lambda d, t: seen.append((d, t)))
    finally:
        server.close()
    assert target.read_bytes() == archive
    assert seen[-1] == (len(archive), len(archive))
    assert list((tmp_path / "data").iterdir()) == [target]  # no temporary file left behind
    assert len(load_imdb(tmp_path / "data", download=False).train) == 4


def test_download_with_wrong_md5_leaves_nothing(tmp_path):
    server = _Server(b"not the archive")
    try:
        with pytest.raises(DataError, match="damaged"):
            download_imdb(tmp_path, url=server.url, md5="0" * 32)
    finally:
        server.close()
    assert list(tmp_path.iterdir()) == []


def test_download_cut_short_is_reported(tmp_path):
    server = _Server(b"half", lie_about_length=True)
    try:
        with pytest.raises(DataError):
            download_imdb(tmp_path, url=server.url, md5="0" * 32, timeout=5)
    finally:
        server.close()
    assert list(tmp_path.iterdir()) == []


def test_offline_download_says_where_to_put_the_archive(tmp_path):
    with pytest.raises(DataError, match="Offline.*aclImdb_v1.tar.gz"):
        download_imdb(tmp_path, url="http://127.0.0.1:9/nothing.tar.gz", timeout=2)


def test_csv_with_named_columns_and_bad_rows(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text('id,review,sentiment\n1,"Great, fun film",pos\n2,,neg\n3,Dull,\n4,"Awful",neg\n5,Superb,pos\n')
    data = load_table(path)
    assert data.texts == ["Great, fun film", "Awful", "Superb"]
    assert data.class_names == ("negative", "positive") and data.labels.tolist() == [1, 0, 1]
    assert any("empty text" in n for n in data.notes) and any("no label" in n for n in data.notes)


def test_tsv_with_many_classes_and_explicit_columns(tmp_path):
    path = tmp_path / "topics.tsv"
    path.write_text("a\tb\nsports news\tsport\nelection today\tpolitics\nrain tomorrow\tweather\n")
    data = load_table(path, text_column="a", label_column="b")
    assert data.class_names == ("politics", "sport", "weather") and data.labels.tolist() == [1, 0, 2]


def test_csv_problems_have_actionable_messages(tmp_path):
    one_class = tmp_path / "one.csv"
    one_class.write_text("text,label\na,1\nb,1\n")
    with pytest.raises(DataError, match="two classes"):
        load_table(one_class)
    with pytest.raises(DataError, match="no column 'missing'.*text, label"):
        load_table(one_class, text_column="missing")
    with pytest.raises(DataError, match="binary"):
        load_table(b"text,label\n\x00\x01\x02", name="fake.csv")
    with pytest.raises(DataError, match="zip archive"):
        load_table(b"PK\x03\x04zipdata", name="data.csv")
    with pytest.raises(DataError, match="empty"):
        load_table(b"   \n", name="empty.csv")
    with pytest.raises(DataError, match="does not exist"):
        load_table(tmp_path / "nope.csv")


def test_latin1_bytes_are_decoded_and_noted():
    data = load_table("text,label\ncaf\xe9 tr\xe8s bien,1\nnul,0\n".encode("latin-1"), name="fr.csv")
    assert data.texts[0] == "café très bien"
    assert any("Latin-1" in n for n in data.notes)


def test_line_files_and_folders(tmp_path):
    (tmp_path / "mr.pos").write_bytes("a fine film\n\nsplendid \x85 work\n".encode("latin-1"))
    (tmp_path / "mr.neg").write_bytes(b"a dull film\n")
    data = load_line_files([tmp_path / "mr.neg", tmp_path / "mr.pos"])
    assert len(data) == 3 and data.class_counts() == {"negative": 1, "positive": 2}
    for name, texts in {"spam": ["buy now", "cheap pills"], "ham": ["see you at lunch"]}.items():
        (tmp_path / "mail" / name).mkdir(parents=True)
        for i, text in enumerate(texts):
            (tmp_path / "mail" / name / f"{i}.txt").write_text(text)
    folder = load_user_data(tmp_path / "mail")
    assert folder.class_names == ("ham", "spam") and len(folder) == 3
    with pytest.raises(DataError, match="two"):
        load_line_files([tmp_path / "mr.pos"])


def test_splits_are_stratified_and_seeded():
    data = make_dataset(200)
    rest, held = stratified_split(data, 0.25, seed=3)
    assert len(held) == 50 and held.class_counts() == {"negative": 25, "positive": 25}
    assert stratified_split(data, 0.25, seed=3)[1].texts == held.texts
    assert stratified_split(data, 0.25, seed=4)[1].texts != held.texts
    assert not set(rest.texts) & set(held.texts) or len(set(data.texts)) < len(data)
    subset = stratified_subset(data, 20, seed=1)
    assert subset.class_counts() == {"negative": 10, "positive": 10}
    train, val, test = train_val_test_split(data, 0.1, 0.2, seed=0)
    assert (len(train), len(val), len(test)) == (140, 20, 40)
