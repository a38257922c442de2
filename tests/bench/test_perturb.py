"""bench/peers/perturb.py: each spelling game on fixed messages, with a seeded generator and with
generators that always or never play."""
import random
import unittest

import bench_modules  # noqa: F401  (puts bench/peers/ on the path)
import perturb

GAMES = ["split", "noise", "choseong", "leet"]
MESSAGE = "@user 시발 idiot IDIOTS a #tag http://x.co/aeiou 가 Basis"


class Always:
    """A generator that always plays, at the first place it may: random() 0, the lowest position, the first symbol."""

    def random(self):
        return 0.0

    def randrange(self, start, stop):
        return start

    def choice(self, seq):
        return seq[0]


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

    def test_unknown_game_is_an_error(self):
        with self.assertRaises(ValueError):
            perturb.perturb_word("word", "reverse", Always())


if __name__ == "__main__":
    unittest.main()
