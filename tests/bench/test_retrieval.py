"""bench/peers/retrieval.py: the ranked-link metrics, the split by article, and the peers' FTS5
queries, on small cases worked out by hand."""
import sqlite3
import unittest

import bench_modules  # noqa: F401  (puts bench/peers on the path)
import retrieval


class RankMetrics(unittest.TestCase):
    def test_recall_and_mrr_by_hand(self):
        ranked = [["a", "b"], ["x", "y", "g"], ["z"], []]
        gold = ["a", "g", "q", "a"]
        m = retrieval.rank_metrics(ranked, gold)
        self.assertEqual(m["recall_at_1"], 0.25)  # only the first
        self.assertEqual(m["recall_at_5"], 0.5)   # the first and the second (rank 3)
        self.assertEqual(m["recall_at_20"], 0.5)
        self.assertAlmostEqual(m["mrr"], (1 + 1 / 3) / 4)

    def test_chunks_of_one_link_count_once(self):
        # Three chunks of paragraph "p" then the gold one: the gold link is second, not fourth.
        m = retrieval.rank_metrics([["p", "p", "p", "g"]], ["g"])
        self.assertEqual(m["mrr"], 0.5)
        self.assertEqual(m["recall_at_1"], 0.0)

    def test_only_the_first_twenty_links_count(self):
        links = ["l%d" % i for i in range(25)]
        m = retrieval.rank_metrics([links], ["l20"])
        self.assertEqual(m["recall_at_20"], 0.0)
        self.assertEqual(m["mrr"], 0.0)


class ArticleSplit(unittest.TestCase):
    def test_twenty_validation_articles_whatever_the_order(self):
        titles = ["article %d" % i for i in range(140)]
        split = retrieval.article_split(titles)
        self.assertEqual(sum(1 for s in split.values() if s == "validation"), 20)
        self.assertEqual(split, retrieval.article_split(list(reversed(titles))))


class PeerQueries(unittest.TestCase):
    def test_trigram_query_has_every_trigram_and_drops_short_words(self):
        self.assertEqual(retrieval.fts5_trigram_query("요금제를 a 물"), '"금제를" OR "요금제"')

    def test_unicode61_query_quotes_words(self):
        self.assertEqual(retrieval.fts5_unicode61_query('LTE "or" NEAR'), '"lte" OR "near" OR "or"')

    def test_fts5_peer_ranks_the_matching_paragraph_first(self):
        try:
            sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        except sqlite3.OperationalError:
            self.skipTest("this SQLite has no FTS5 trigram tokenizer")
        corpus = [{"link": "a", "text": "해외 로밍 신청"}, {"link": "b", "text": "요금제를 변경하려면"}]
        ranked, _, _ = retrieval.fts5_peer(corpus, [{"query": "요금제"}], "trigram", retrieval.fts5_trigram_query)
        self.assertEqual(ranked, [["b"]])


if __name__ == "__main__":
    unittest.main()
