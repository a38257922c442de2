"""bench/peers/perturb.py: each spelling game on fixed messages, with a seeded generator and with
generators that always or never play."""
import contextlib
import io
import json
import random
import sys
import unittest
from unittest import mock

import bench_modules  # noqa: F401  (puts bench/peers/ on the path)
import perturb

GAMES = [game for game in perturb.GAMES if game != "none"]
MESSAGE = "@user 시발 idiot IDIOTS a #tag http://x.co/aeiou 가 Basis"


class Always:
    """A generator that always plays, at the first place it may: random() 0, the lowest position, the first symbol."""

    def random(self):
        return 0.0

    def randrange(self, start, stop):
        return start

    def choice(self, seq):
        return seq[0]

    def randint(self, low, high):
        return low


class Never(Always):
    def random(self):
        return 0.999


def words(n, seed=0):
    rng = random.Random(seed)
    return " ".join("".join(rng.choice("bcdfgh") for _ in range(6)) for _ in range(n))


class PerturbTest(unittest.TestCase):
    def test_each_game_when_it_always_plays(self):
        expected = {
            "split": "@user 시 발 i diot I DIOTS a #tag http://x.co/aeiou 가 B asis",
            "noise": "@user 시.발 i.diot I.DIOTS a #tag http://x.co/aeiou 가 B.asis",
            "choseong": "@user ㅅㅂ idiot IDIOTS a #tag http://x.co/aeiou ㄱ Basis",
            "leet": "@user 시발 1d10t 1D10T$ @ #tag http://x.co/aeiou 가 B@$1$",
            "emoji": "@user 시\U0001F602발 i\U0001F602diot I\U0001F602DIOTS a #tag http://x.co/aeiou 가 B\U0001F602asis",
            "zerowidth": "@user 시\u200b발 i\u200bdiot I\u200bDIOTS a #tag http://x.co/aeiou 가 B\u200basis",
            "repeat": "@user 시시시발 iiidiot IIIDIOTS aaa #tag http://x.co/aeiou 가가가 BBBasis",
            "spaced": "@user 시.발 idiot IDIOTS a #tag http://x.co/aeiou 가 Basis",
            "fullwidth": "@user 시발 ｉｄｉｏｔ ＩＤＩＯＴＳ ａ #tag http://x.co/aeiou 가 Ｂａｓｉｓ",
            "none": MESSAGE,
        }
        for kind, text in expected.items():
            self.assertEqual(perturb.perturb(MESSAGE, kind, Always()), text, kind)

    def test_nothing_changes_when_it_never_plays(self):
        for kind in GAMES:
            self.assertEqual(perturb.perturb(MESSAGE, kind, Never()), MESSAGE, kind)

    def test_mentions_hashtags_and_links_are_untouched(self):
        for word in ["@idiot", "#idiots", "http://a.io/s", "https://x.co"]:
            self.assertTrue(perturb.untouched(word), word)
            for kind in GAMES:
                self.assertEqual(perturb.perturb_word(word, kind, Always()), word, kind)
        self.assertFalse(perturb.untouched("idiot@"))

    def test_choseong_covers_the_hangul_syllables_only(self):
        # 가 (U+AC00) and 힣 (U+D7A3) are the first and last syllables; jamo and Latin stay
        self.assertEqual(perturb.perturb_word("가힣ㅋa", "choseong", Always()), "ㄱㅎㅋa")
        self.assertEqual(perturb.perturb_word("\ud7a4", "choseong", Always()), "\ud7a4")

    def test_a_fixed_seed_is_deterministic(self):
        for kind in GAMES:
            first = perturb.perturb(MESSAGE + " " + words(50), kind, random.Random(7))
            self.assertEqual(perturb.perturb(MESSAGE + " " + words(50), kind, random.Random(7)), first, kind)

    def test_split_and_noise_play_on_three_words_in_ten(self):
        text = words(5000)  # six letters each, none of them a symbol
        for kind, inserted in (("split", " "), ("noise", perturb.SYMBOLS)):
            out = perturb.perturb(text, kind, random.Random(1))
            added = len(out) - len(text)  # one character per word played on
            self.assertAlmostEqual(added / 5000, 0.3, delta=0.03, msg=kind)
            self.assertEqual("".join(c for c in out if c not in inserted), text.replace(" ", "") if kind == "split"
                             else text, kind)

    def test_leet_plays_on_three_letters_in_ten(self):
        text = "aeios" * 400
        out = perturb.perturb_word(text, "leet", random.Random(1))
        self.assertEqual(len(out), len(text))
        swapped = sum(a != b for a, b in zip(text, out))
        self.assertAlmostEqual(swapped / len(text), 0.3, delta=0.03)
        self.assertTrue(all(b in (a, perturb.LEET[a]) for a, b in zip(text, out)))

    def test_insertions_play_on_three_words_in_ten(self):
        text = words(5000)
        for kind, inserted in (("emoji", perturb.EMOJI), ("zerowidth", perturb.ZERO_WIDTH)):
            out = perturb.perturb(text, kind, random.Random(1))
            added = len(out) - len(text)  # one code point per word played on
            self.assertAlmostEqual(added / 5000, 0.3, delta=0.03, msg=kind)
            self.assertEqual("".join(c for c in out if c not in inserted), text, kind)
            self.assertTrue(all(not w.startswith(tuple(inserted)) and not w.endswith(tuple(inserted))
                                for w in out.split(" ")), kind)

    def test_repeat_writes_one_letter_two_to_four_more_times(self):
        text = words(5000)
        out = perturb.perturb(text, "repeat", random.Random(1))
        played = 0
        for before, after in zip(text.split(" "), out.split(" ")):
            if before == after:
                continue
            played += 1
            extra = len(after) - len(before)
            self.assertIn(extra, (2, 3, 4))
            # some letter of the word, followed by `extra` more copies of itself
            self.assertIn(after, [before[:k + 1] + before[k] * extra + before[k + 1:] for k in range(len(before))])
        self.assertAlmostEqual(played / 5000, 0.3, delta=0.03)
        self.assertEqual(perturb.perturb_word("...", "repeat", Always()), "...")  # no letter, nothing to repeat

    def test_spaced_marks_between_syllables_only(self):
        self.assertEqual(perturb.perturb_word("병신아", "spaced", Always()), "병.신.아")
        self.assertEqual(perturb.perturb_word("ㅋ시발!", "spaced", Always()), "ㅋ시.발!")
        self.assertEqual(perturb.perturb_word("시ㅋ발", "spaced", Always()), "시ㅋ발")  # no two syllables side by side
        self.assertEqual(perturb.perturb_word("가", "spaced", Always()), "가")
        self.assertEqual(perturb.perturb_word("idiot", "spaced", Always()), "idiot")
        korean = " ".join(["시발"] * 5000)
        out = perturb.perturb(korean, "spaced", random.Random(1))
        self.assertAlmostEqual(sum(w != "시발" for w in out.split(" ")) / 5000, 0.3, delta=0.03)
        self.assertTrue(all(w == "시발" or (len(w) == 3 and w[1] in perturb.SPACING_MARKS) for w in out.split(" ")))

    def test_fullwidth_maps_ascii_letters_and_digits_only(self):
        self.assertEqual(perturb.perturb_word("Az09!é시", "fullwidth", Always()), "\uff21\uff5a\uff10\uff19!é시")
        text = words(5000)
        out = perturb.perturb(text, "fullwidth", random.Random(1))
        self.assertAlmostEqual(sum(a != b for a, b in zip(text.split(" "), out.split(" "))) / 5000, 0.3, delta=0.03)

    def test_the_command_is_seeded_by_seed_and_message_id(self):
        # the same text under twenty ids: each id draws its own games
        rows = [{"id": "t:%d" % i, "text": words(20), "label": i % 2} for i in range(20)]

        def command(seed, order):
            stdin = io.StringIO("".join(json.dumps(rows[i]) + "\n" for i in order))
            out = io.StringIO()
            argv = ["perturb.py", "--kind", "repeat", "--seed", str(seed)]
            with mock.patch.object(sys, "argv", argv), mock.patch.object(sys, "stdin", stdin), \
                    contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                perturb.main()
            return {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}

        first = command(1, range(20))
        self.assertEqual(command(1, reversed(range(20))), first)  # the order of the messages does not matter
        self.assertNotEqual(command(2, range(20)), first)
        self.assertGreater(len({r["text"] for r in first.values()}), 10)
        self.assertEqual([first[r["id"]]["label"] for r in rows], [r["label"] for r in rows])  # labels kept

    def test_unknown_game_is_an_error(self):
        with self.assertRaises(ValueError):
            perturb.perturb_word("word", "reverse", Always())


if __name__ == "__main__":
    unittest.main()
