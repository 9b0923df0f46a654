"""How text becomes numbers: every step from a typed sentence to what a model reads."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from pages import ui, views
from sentiment_core.lesson import glove_tables, text_to_numbers

ui.setup_page("lesson")
st.title("How text becomes numbers")
st.caption("A model sees numbers, not words. Type a sentence and follow it through each way of encoding text.")

models = ui.embedding_models_best_first()  # the TF-IDF baseline has no word vectors
GLOVE = "GloVe's 5,000 most frequent words"
a, b = st.columns([3, 2])
# Every setting lives in the URL: a link on a slide opens this sentence with these settings.
sentence = a.text_input("Sentence", ui.examples()["lesson"], key="lesson_text", live="400ms", max_chars=2000,
                        bind="query-params")
source = b.selectbox("Vocabulary and embedding from", [GLOVE] + [m.name for m in models], key="lesson_source",
                     bind="query-params")
a, b, c = st.columns(3)
seq_len = a.slider("Padded length", 5, 60, 20, key="lesson_len", bind="query-params")
buckets = b.slider("Hashing columns", 5, 500, 50, key="lesson_buckets", help="Fewer columns, more collisions.",
                   bind="query-params")
ngram = c.slider("n-grams up to n =", 1, 4, 2, key="lesson_n", bind="query-params")


@st.cache_resource(max_entries=1, show_spinner=False)
def glove_lesson_tables():
    glove = ui.glove()
    return glove_tables(glove) if glove is not None else (None, None)


if source == GLOVE:
    vocabulary, table = glove_lesson_tables()
    if vocabulary is None:
        st.stop()
    embedding_source = "GloVe 6B, 50 dimensions"
else:
    try:
        vocabulary, table = ui.embedding_table(source)
    except ValueError as error:  # a model whose files cannot be used: say so, here only
        st.error(str(error))
        st.stop()
    embedding_source = f"learned by {source}"

try:
    lesson = text_to_numbers(sentence, vocabulary, table, seq_len, buckets, ngram, source, embedding_source)
except ValueError as error:
    st.error(str(error))
    st.stop()


def heatmap(matrix, x, y, title, colorscale="Blues", height=None, text=None) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=matrix, x=x, y=y, colorscale=colorscale, showscale=False, text=text,
                               hovertemplate="%{y} · %{x}: %{z}<extra></extra>", xgap=1, ygap=1))
    fig.update_layout(title=title, height=height or max(180, 26 * len(y) + 90), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      yaxis={"autorange": "reversed", "type": "category"}, xaxis={"type": "category"})
    return fig


st.subheader("1. Clean and split into tokens")
st.caption("Kim's clean_str rules: keep letters, digits and a few marks, split clitics (n't, 's), lower-case.")
st.code(lesson.cleaned or "(nothing left)", language=None)

st.subheader("1b. Mark where a negation reaches (an option)")
st.caption("To a bag of words, 'not good' holds 'good'. Das & Chen (2001) and Pang et al. (2002) give every word after "
           "not, n't, no, never, nothing, nobody ... a NOT_ prefix, up to the end of the clause (. : ; ! ? or 'but'), "
           "so NOT_good is a word of its own that a model can learn to read as negative. Models trained with "
           "'Mark negation' read the marked tokens. But a NOT_word is learned like any word, from the reviews that "
           "use it: IMDB's reviewers write 'not bad' in lukewarm reviews, so NOT_bad learns little praise. The "
           "tfidf-logreg baseline and nb-ngrams can also start from a rule (Kennedy & Inkpen 2006): NOT_word means "
           "the opposite of word unless the data says otherwise (the Train page's 'NOT_word = opposite of word'). On "
           "IMDB that rule takes nb-ngrams from failing 78 % of the built-in negation tests to 18 %, for about 0.2 "
           "points of validation accuracy (README, 'Marking negation').")
if any(lesson.negation_roles):
    st.html("<div class='token-row'>" + "".join(
        f"<span class='{role}'>{html.escape(t)}</span>" for t, role in zip(lesson.negation_marked, lesson.negation_roles))
        + "</div>")
else:
    st.caption("No negation word in this sentence: try \"The acting was not good at all, but I loved the music.\"")

st.subheader("2. Look each token up in the vocabulary")
st.caption(f"{lesson.vocabulary_size:,} ids from {lesson.vocabulary_source}: 0 = padding, 1 = unknown (red)."
           + (" This model marks negation: it looks up the NOT_ tokens." if vocabulary.negation else ""))
st.html("<div class='token-row'>" + "".join(
    f"<span class='{'unk' if i == 1 else ''}'>{html.escape(t)}<small>{i}</small></span>"
    for t, i in zip(lesson.tokens, lesson.ids)) + "</div>")

st.subheader("3. Pad or cut to a fixed length")
st.caption(f"Every review becomes exactly {seq_len} ids so a batch is one rectangle of numbers.")
st.plotly_chart(heatmap([lesson.padded], list(range(seq_len)), ["ids"], "Padded sequence", "Purples", 150,
                        text=[lesson.padded]).update_traces(texttemplate="%{text}"), key="padded")

left, right = st.columns(2)
with left:
    st.subheader("4. Word one-hot")
    oh = lesson.word_one_hot
    st.caption(f"One column per distinct word: {len(oh.tokens)} × {len(oh.vocabulary)}. Over a 5,000-word vocabulary each row has 4,999 zeros.")
    if oh.tokens:
        st.plotly_chart(heatmap(oh.matrix, oh.vocabulary, [f"{i}:{t}" for i, t in enumerate(oh.tokens)], "Word one-hot"), key="onehot")
with right:
    st.subheader("5. Character one-hot")
    ch = lesson.char_one_hot
    used = sorted({int(j) for j in np.flatnonzero(ch.matrix.any(axis=0))})
    st.caption(f"One column per printable character ({ch.matrix.shape[1]}); only the {len(used)} used are drawn.")
    if ch.tokens:
        labels = [repr(c)[1:-1] or "␣" for c in ch.tokens]
        st.plotly_chart(heatmap(ch.matrix[:, used], [repr(ch.vocabulary[j])[1:-1] for j in used],
                                [f"{i}:{c}" for i, c in enumerate(labels)], "Character one-hot", "Greens"), key="charhot")

left, right = st.columns(2)
with left:
    st.subheader("6. The hashing trick")
    h = lesson.hashing
    st.caption(f"No vocabulary: each word goes to column hash(word) mod {h.dimensionality}. Different words can share a column.")
    views.dataframe([{"token": t, "column": b, "collides with": ", ".join(w for w in h.collisions.get(b, []) if w != t)}
                     for t, b in zip(h.tokens, h.buckets)])
    (st.warning if h.collisions else st.success)(
        f"{len(h.collisions)} columns hold more than one word." if h.collisions else "No collisions with this many columns."
    )
with right:
    st.subheader(f"7. Bag of 1- to {ngram}-grams")
    st.caption("Counts of word sequences; the order of the sentence is gone (that is what 'bag' means).")
    views.dataframe([{"n-gram": g, "count": c} for g, c in lesson.ngrams])

st.subheader("8. The embedding lookup")
st.caption(f"An embedding layer is a table with one row per id; the ids above select these rows ({lesson.embedding_source}).")
if lesson.embedding_rows is not None and len(lesson.tokens):
    rows = lesson.embedding_rows
    st.plotly_chart(heatmap(rows, [f"d{j}" for j in range(rows.shape[1])],
                            [f"{i}:{t} (id {d})" for i, (t, d) in enumerate(zip(lesson.tokens, lesson.ids))],
                            f"{len(lesson.tokens)} words × {rows.shape[1]} dimensions", "RdBu"), key="embedding")
