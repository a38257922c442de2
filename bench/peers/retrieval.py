"""Retrieval bench helpers (bench/retrieve.sh): KorQuAD v1 dev as a corpus of paragraphs and its
questions, split by article; ranked-link metrics; and the peers a Python user would reach for,
run on the same paragraphs and questions: SQLite FTS5 with its own unicode61 and trigram
tokenizers (BM25, Python's sqlite3) and scikit-learn TF-IDF cosine over words and over
character bigrams.

  retrieval.py prepare --korquad FILE --split validation|scored --out DIR
  retrieval.py score --questions FILE --results FILE --system NAME [--seconds S] [--index-seconds S]
                     [--startup-seconds S] [--settings TEXT]
  retrieval.py peers --work DIR --split validation|scored
"""
import argparse
import hashlib
import json
import os
import re
import sqlite3
import sys
import time

KS = (1, 5, 20)
VALIDATION_ARTICLES = 20  # the first 20 articles by SHA-256 of their title; the other 120 are scored


def article_split(titles):
    """title -> "validation" or "scored": a fixed split by hash, whatever the file's order."""
    ordered = sorted(titles, key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())
    return {t: ("validation" if i < VALIDATION_ARTICLES else "scored") for i, t in enumerate(ordered)}


def prepare(korquad, split, out):
    """Writes corpus.jsonl (every article's paragraphs, linked "title#n"), card.toml and
    questions.jsonl (the split's questions with the link of their paragraph)."""
    with open(korquad, encoding="utf-8") as f:
        articles = json.load(f)["data"]
    splits = article_split([a["title"] for a in articles])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "corpus.jsonl"), "w", encoding="utf-8") as corpus, \
            open(os.path.join(out, "questions.jsonl"), "w", encoding="utf-8") as questions:
        for a in articles:
            for n, p in enumerate(a["paragraphs"]):
                link = "%s#%d" % (a["title"], n)
                corpus.write(json.dumps({"link": link, "title": a["title"], "text": p["context"]},
                                        ensure_ascii=False) + "\n")
                if splits[a["title"]] != split:
                    continue
                for qa in p["qas"]:
                    questions.write(json.dumps({"id": qa["id"], "query": qa["question"], "gold": link},
                                               ensure_ascii=False) + "\n")
    with open(os.path.join(out, "card.toml"), "w", encoding="utf-8") as card:
        card.write('text = "text"\ntitle = "title"\nlink = "link"\nsection = ""\n')


def distinct(links):
    """Links in rank order, each once (several chunks of one paragraph count as one result)."""
    seen, out = set(), []
    for link in links:
        if link not in seen:
            seen.add(link)
            out.append(link)
    return out


def rank_metrics(ranked, gold):
    """ranked: one list of links per question; gold: the right link per question. recall@k is
    the share of questions whose gold link is among the first k; mrr is the mean of 1/rank over
    the first max(KS) (0 when it is not there)."""
    n = len(gold)
    out = {}
    ranks = []
    for links, g in zip(ranked, gold):
        links = distinct(links)[:max(KS)]
        ranks.append(links.index(g) + 1 if g in links else None)
    for k in KS:
        out["recall_at_%d" % k] = sum(1 for r in ranks if r is not None and r <= k) / n
    out["mrr"] = sum(1.0 / r for r in ranks if r is not None) / n
    return out


def row(system, metrics, queries, seconds, **extra):
    line = {"corpus": "korquad", "system": system, "queries": queries}
    line.update({k: round(v, 4) for k, v in metrics.items()})
    line["queries_per_s"] = round(queries / seconds, 1) if seconds > 0 else None
    line.update(extra)
    return line


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(args):
    questions = read_jsonl(args.questions)
    results = {r["id"]: [hit["link"] for hit in r["results"]] for r in read_jsonl(args.results)}
    ranked = [results.get(q["id"], []) for q in questions]
    extra = {}
    if args.index_seconds is not None:
        extra["index_s"] = round(args.index_seconds, 2)
    if args.startup_seconds is not None:
        extra["startup_s"] = round(args.startup_seconds, 2)
    if args.settings:
        extra["settings"] = args.settings
    print(json.dumps(row(args.system, rank_metrics(ranked, [q["gold"] for q in questions]), len(questions),
                         args.seconds, **extra), ensure_ascii=False))


# --- peers ---

def fts5_unicode61_query(question):
    """Each word FTS5's unicode61 would see, quoted, joined by OR (as guardian joins its tokens)."""
    words = {w.lower() for w in re.findall(r"\w+", question)}
    return " OR ".join('"%s"' % w for w in sorted(words))


def fts5_trigram_query(question):
    """Every trigram of every word, quoted, joined by OR: the best a trigram index can do for a
    question; words of one or two characters have none."""
    grams = set()
    for w in re.findall(r"\w+", question.lower()):
        grams.update(w[i:i + 3] for i in range(len(w) - 2))
    return " OR ".join('"%s"' % g for g in sorted(grams))


def fts5_peer(corpus, questions, tokenizer, to_query):
    db = sqlite3.connect(":memory:")
    start = time.perf_counter()
    db.execute("CREATE VIRTUAL TABLE p USING fts5(link UNINDEXED, text, tokenize='%s')" % tokenizer)
    db.executemany("INSERT INTO p(link, text) VALUES (?, ?)", [(c["link"], c["text"]) for c in corpus])
    index_s = time.perf_counter() - start
    ranked = []
    start = time.perf_counter()
    for q in questions:
        match = to_query(q["query"])
        rows = db.execute("SELECT link FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?",
                          (match, max(KS))).fetchall() if match else []
        ranked.append([r[0] for r in rows])
    return ranked, index_s, time.perf_counter() - start


def tfidf_peer(corpus, questions, **vectorizer_args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    import numpy as np
    start = time.perf_counter()
    vectorizer = TfidfVectorizer(**vectorizer_args)
    matrix = vectorizer.fit_transform([c["text"] for c in corpus])
    index_s = time.perf_counter() - start
    links = [c["link"] for c in corpus]
    ranked = []
    start = time.perf_counter()
    for q in questions:
        scores = (matrix @ vectorizer.transform([q["query"]]).T).toarray().ravel()
        top = np.argsort(-scores, kind="stable")[:max(KS)]
        ranked.append([links[i] for i in top if scores[i] > 0])
    return ranked, index_s, time.perf_counter() - start


def peers(args):
    corpus = read_jsonl(os.path.join(args.work, "corpus.jsonl"))
    questions = read_jsonl(os.path.join(args.work, "questions.jsonl"))
    gold = [q["gold"] for q in questions]
    runs = [
        ("fts5-unicode61", lambda: fts5_peer(corpus, questions, "unicode61", fts5_unicode61_query)),
        ("fts5-trigram", lambda: fts5_peer(corpus, questions, "trigram", fts5_trigram_query)),
        ("tfidf-cosine-words", lambda: tfidf_peer(corpus, questions)),
        ("tfidf-cosine-char-bigrams", lambda: tfidf_peer(corpus, questions, analyzer="char_wb", ngram_range=(2, 2))),
    ]
    for name, run in runs:
        try:
            ranked, index_s, query_s = run()
        except ImportError as e:  # scikit-learn missing: say so, keep the other rows
            print(json.dumps({"corpus": "korquad", "system": name, "error": str(e)}))
            continue
        print(json.dumps(row(name, rank_metrics(ranked, gold), len(questions), query_s, index_s=round(index_s, 2)),
                         ensure_ascii=False))


def main(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--korquad", required=True)
    p.add_argument("--split", choices=("validation", "scored"), required=True)
    p.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("--questions", required=True)
    s.add_argument("--results", required=True)
    s.add_argument("--system", required=True)
    s.add_argument("--seconds", type=float, default=0.0)
    s.add_argument("--index-seconds", type=float)
    s.add_argument("--startup-seconds", type=float)
    s.add_argument("--settings")
    r = sub.add_parser("peers")
    r.add_argument("--work", required=True)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.korquad, args.split, args.out)
    elif args.command == "score":
        score(args)
    else:
        peers(args)


if __name__ == "__main__":
    main(sys.argv[1:])
