"""Train: pick data, a variant and its settings; training runs as a background job with live curves."""

from __future__ import annotations

import time

import streamlit as st

from pages import ui
from sentiment_core.config import VARIANT_DESCRIPTIONS, VARIANTS, default_configs, seed_preset
from sentiment_core.data import MAX_TABLE_BYTES, imdb_status, load_table, table_columns, train_val_test_split
from sentiment_core.jobs import TrainingRequest
from sentiment_core.store import validate_name
from sentiment_core.text import KEEP_CHOICES
from sentiment_core.training import estimate_seconds

ui.setup_page()
st.title("Train a model")
runner = ui.runner()
job = runner.job
current = job.snapshot() if job is not None else None
busy = current is not None and current.running

# Keyed by the upload's id, not its bytes: copying and hashing an upload of up to 100 MB on
# every rerun costs; the bytes are read only when the cache misses.
@st.cache_data(max_entries=4, show_spinner="Reading the file ...")
def upload_columns(file_id: str, _upload, header: bool | None):
    return table_columns(_upload.getvalue(), _upload.name, header=header)


@st.cache_data(max_entries=4, show_spinner="Reading the file ...")
def read_upload(file_id: str, _upload, text_column: str, label_column: str, header: bool):
    """Parse and split an upload once, not on every rerun of the page."""
    own = load_table(_upload.getvalue(), _upload.name, text_column=text_column, label_column=label_column, header=header)
    return own, train_val_test_split(own, seed=42)


def pick_columns_and_read(upload):
    """Column pickers for an upload (the guesses preselected), then the data set; (None, splits) until both are chosen."""
    key = upload.file_id
    guessed = upload_columns(key, upload, None)
    header = st.checkbox("The first row names the columns", value=guessed.has_header, key=f"header-{key}")
    columns = guessed if header == guessed.has_header else upload_columns(key, upload, header)
    left, right = st.columns(2)

    def index(column):
        return columns.columns.index(column) if column in columns.columns else None

    text = left.selectbox("Text column", columns.columns, index=index(columns.text_column), key=f"text-{key}-{header}",
                          placeholder="Choose the column with the texts")
    label = right.selectbox("Label column", columns.columns, index=index(columns.label_column), key=f"label-{key}-{header}",
                            placeholder="Choose the column with the labels")
    if text is None or label is None:
        st.info("Choose the text column and the label column.")
        return None, (None, None, None)
    return read_upload(key, upload, text, label, header)


TRAIN_SIZES = [200, 500, 1000, 2000, 5000, 10000, 22500]
TEST_SIZES = [200, 500, 1000, 2500, 5000, 25000]

# -- 1. data ----------------------------------------------------------------------------------
settings, estimate_column = st.columns([3, 2], gap="large")
with settings:
    st.subheader("1. Data")
    source = st.radio("Train on", ["IMDB movie reviews", "My own file (CSV/TSV)"], horizontal=True, key="train_source")
    data_ready, data_label, loader, sizes = False, "", None, (0, 0, 0)
    if source == "IMDB movie reviews":
        status = imdb_status()
        if status["found"]:
            st.caption(f"Using {status['path']}")
        else:
            st.warning(status["message"])
        left, right = st.columns(2)
        n_train = left.select_slider("Training reviews (10% of them validate)", TRAIN_SIZES, value=2000, key="train_n")
        n_test = right.select_slider("Test reviews (official test set)", TEST_SIZES, value=1000, key="test_n")
        data_ready, data_label = True, f"IMDB {n_train:,} train / {n_test:,} test"
        sizes = (n_train - n_train // 10, n_train // 10, n_test)
        loader = runner.imdb_loader(None if n_train >= 22500 else n_train, None if n_test >= 25000 else n_test)
    else:
        upload = st.file_uploader(
            "A CSV or TSV with a text column and a label column (0/1, neg/pos, or any class names), "
            f"up to {MAX_TABLE_BYTES >> 20} MB", type=["csv", "tsv", "txt"], key="train_upload",
        )
        own = None
        if upload is not None:
            try:
                own, (train_set, val_set, test_set) = pick_columns_and_read(upload)
            except ValueError as error:  # DataError included
                st.error(str(error))
            if own is not None:
                ui.show_notes(own.notes)
                counts = ", ".join(f"{k}: {v:,}" for k, v in own.class_counts().items())
                st.success(f"{len(own):,} texts in {len(own.class_names)} classes ({counts}); split 70/10/20 into train/validation/test.")
                data_ready, data_label = True, f"{upload.name} ({len(own):,} texts)"
                sizes = (len(train_set), len(val_set), len(test_set))
                loader = lambda: (train_set, val_set, test_set)  # noqa: E731

    # -- 2. model -----------------------------------------------------------------------------
    st.subheader("2. Model")
    variant = st.selectbox("Variant", VARIANTS, index=VARIANTS.index("fasttext"), key="train_variant")
    st.caption(VARIANT_DESCRIPTIONS[variant])
    preset = st.radio(
        "Settings", ["Tuned defaults", "The seed's settings"], horizontal=True, key="train_preset",
        help="Tuned defaults were chosen on IMDB's validation split; the seed's settings reproduce the tutorial (it overfits).",
    )
    model_config, train_config = default_configs(variant) if preset == "Tuned defaults" else seed_preset(variant)
    k = f"{variant}-{preset}"  # each variant/preset pair keeps its own widget values
    with st.expander("Hyperparameters", expanded=False):
        a, b, c = st.columns(3)
        vocab_size = a.number_input("Vocabulary size", 1000, 20000, model_config.vocab_size, 1000, key=f"vocab-{k}")
        seq_len = b.number_input("Sequence length (words)", 20, 1000, model_config.seq_len, 10, key=f"len-{k}")
        embedding_dim = c.number_input(
            "Embedding size", 8, 300, model_config.embedding_dim, 2, key=f"emb-{k}", disabled=model_config.uses_glove,
            help="GloVe variants use GloVe's 50 dimensions." if model_config.uses_glove else None,
        )
        changes = {"vocab_size": int(vocab_size), "seq_len": int(seq_len), "embedding_dim": int(embedding_dim)}
        if variant in ("cnn", "multicnn", "glove-static", "glove-tuned", "multichannel"):
            changes["filters"] = int(a.number_input("Filters per kernel", 10, 300, model_config.filters, 10, key=f"filters-{k}"))
            kernels = b.multiselect("Kernel sizes", list(range(1, 8)), list(model_config.kernel_sizes), key=f"kernels-{k}")
            changes["kernel_sizes"] = tuple(sorted(kernels)) or model_config.kernel_sizes
        if variant == "dense":
            changes["hidden_units"] = int(a.number_input("Hidden units", 16, 1000, model_config.hidden_units, 16, key=f"hidden-{k}"))
        if variant == "bilstm":
            changes["lstm_units"] = int(a.number_input("LSTM units", 8, 256, model_config.lstm_units, 8, key=f"lstm-{k}"))
        changes["dropout"] = float(c.slider("Dropout", 0.0, 0.8, float(model_config.dropout), 0.05, key=f"drop-{k}"))
        changes["embedding_dropout"] = float(
            c.slider("Embedding dropout", 0.0, 0.8, float(model_config.embedding_dropout), 0.05, key=f"edrop-{k}")
        )
        changes["keep"] = b.radio("Long reviews: read the", list(KEEP_CHOICES), index=KEEP_CHOICES.index(model_config.keep),
                                  format_func=lambda keep: "start + end" if keep == "both" else keep,
                                  horizontal=True, key=f"keep-{k}")
        a, b, c = st.columns(3)
        epochs = a.number_input("Epochs (most)", 1, 20, train_config.epochs, 1, key=f"epochs-{k}")
        batch_size = b.select_slider("Batch size", [16, 32, 64, 128, 256], train_config.batch_size, key=f"batch-{k}")
        rates = sorted({1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 1e-2, train_config.learning_rate})
        learning_rate = c.select_slider("Learning rate (Adam)", rates, train_config.learning_rate, key=f"lr-{k}")
        patience = a.number_input("Early stopping patience (0 = off)", 0, 5, train_config.early_stopping_patience, 1, key=f"pat-{k}")
        seed = b.number_input("Random seed", 0, 10_000, train_config.seed, 1, key=f"seed-{k}")
        averaging = c.select_slider(
            "Weight averaging", sorted({0.0, 0.9, 0.99, 0.995, 0.999, train_config.weight_averaging}),
            train_config.weight_averaging, key=f"ema-{k}",
            help="Momentum of a moving average of the weights, copied into the model after every epoch (0 = off). "
                 "Averaged weights are less noisy than the last step's.",
        )
    try:
        model_config = model_config.replace(**changes)
        train_config = train_config.replace(
            epochs=int(epochs), batch_size=int(batch_size), learning_rate=float(learning_rate),
            early_stopping_patience=int(patience), weight_averaging=float(averaging), seed=int(seed),
        )
        config_error = None
    except ValueError as error:
        config_error = str(error)
        st.error(config_error)

    # -- 3. name and go -----------------------------------------------------------------------
    st.subheader("3. Train")
    default_name = f"{variant}-{time.strftime('%m%d-%H%M')}"
    name = st.text_input("Save the model as", value=default_name, key=f"name-{variant}", max_chars=64).strip()
    name_error = None
    try:
        validate_name(name)
        if ui.store().exists(name):
            name_error = f"A model named {name!r} already exists: choose another name or delete it on the Models page."
    except ValueError as error:
        name_error = str(error)
    if name_error:
        st.error(name_error)

with estimate_column:
    st.subheader("Estimate")
    if data_ready and config_error is None:
        seconds = estimate_seconds(model_config, train_config, *sizes)
        st.metric("Time on this machine (at most)", ui.duration(seconds))
        st.caption(
            f"{sizes[0]:,} training, {sizes[1]:,} validation and {sizes[2]:,} test texts; up to {train_config.epochs} epochs "
            f"of {-(-sizes[0] // train_config.batch_size):,} batches. Estimated for 2 CPU cores; a GPU is faster, early stopping shortens it."
        )
    st.caption(f"Device: {ui.device_text()}")
    if busy:
        st.info(f"A model is training ({current.name!r}, {current.variant}): one training at a time. Its progress is below.")
    start = st.button("Train", type="primary", disabled=busy or not data_ready or bool(name_error) or config_error is not None,
                      use_container_width=True, key="train_start")
    if start:
        try:
            runner.start(TrainingRequest(name, model_config, train_config, loader, data_label))
        except ValueError as error:
            st.error(str(error))
        else:
            st.session_state.pop(f"name-{variant}", None)  # the next model gets a fresh default name
            st.rerun()


# -- the job ----------------------------------------------------------------------------------
st.divider()


@st.fragment(run_every=1.0 if busy else None)
def job_panel() -> None:
    job = ui.runner().job
    if job is None:
        st.caption("No training has run on this server yet. Press Train above; progress and curves appear here.")
        return
    snap = job.snapshot()
    title = "Training now" if snap.running else "Last training"
    st.subheader(f"{title}: {snap.name} ({snap.variant}, {snap.data_label})")
    if snap.running:
        st.progress(snap.fraction, text=snap.message)
        cols = st.columns(5)
        cols[0].metric("Epoch", f"{snap.epoch} / {snap.epochs}")
        cols[1].metric("Batch", f"{snap.batch} / {snap.batches}" if snap.batches else "—")
        cols[2].metric("Reviews / s", f"{snap.samples_per_s:,.0f}" if snap.samples_per_s else "—")
        cols[3].metric("Elapsed", ui.duration(snap.elapsed_s))
        cols[4].metric("Time left (at most)", ui.duration(snap.eta_s))
        if st.button("Stop", key="train_stop", disabled=snap.stop_requested,
                     help="Ends after the current batch and keeps the best complete epoch so far."):
            job.stop()
            st.toast("Stopping after this batch ...")
        if snap.stop_requested:
            st.caption("Stopping after the current batch ...")
        st.session_state["watching_job"] = snap.id
    else:
        {"done": st.success, "stopped": st.warning, "failed": st.error}.get(snap.state, st.info)(snap.message)
    if snap.batch_points or snap.epoch_history["epoch"]:
        left, right = st.columns(2)
        left.plotly_chart(ui.training_curves(snap.batch_points, snap.epoch_history, "loss"), key="curve_loss")
        right.plotly_chart(ui.training_curves(snap.batch_points, snap.epoch_history, "accuracy"), key="curve_acc")
    if not snap.running:
        _results(snap)
        if st.session_state.get("watching_job") == snap.id:
            # The job ended while this page watched it: rerun the whole page to unlock Train.
            st.session_state["watching_job"] = None
            st.rerun(scope="app")


def _results(snap) -> None:
    m = snap.metrics
    if not m or m.get("test_accuracy") is None:
        return
    cols = st.columns(4)
    cols[0].metric("Test accuracy", ui.percent(m["test_accuracy"]))
    cols[1].metric("Best validation accuracy", ui.percent(m.get("val_accuracy")))
    cols[2].metric("Best epoch", f"{m.get('best_epoch')} of {m.get('epochs_run')}")
    cols[3].metric("Training time", ui.duration(m.get("train_seconds")))
    left, right = st.columns([2, 3])
    left.plotly_chart(ui.confusion_figure(m["confusion_matrix"], list(m["per_class"])), key="confusion")
    with right:
        st.markdown("**Most confident mistakes on the test set**")
        st.table(
            [{"text": r["text"][:240] + ("..." if len(r["text"]) > 240 else ""), "true": r["true"], "predicted": r["predicted"],
              "confidence": f"{r['confidence']:.0%}"} for r in m.get("misclassified", [])[:4]],
        )
    if snap.saved_as:
        with st.form("rename_form", border=False):
            a, b = st.columns([3, 1], vertical_alignment="bottom")
            new_name = a.text_input("Saved as (edit to rename)", value=snap.saved_as, max_chars=64, key=f"rename-{snap.id}")
            if b.form_submit_button("Rename"):
                try:
                    ui.runner().job.rename_saved(new_name.strip())
                    st.success(f"Renamed to {new_name.strip()!r}.")
                except ValueError as error:
                    st.error(str(error))
        st.page_link("pages/predict.py", label="Try it on the Predict page", icon=":material/chat:")


job_panel()
