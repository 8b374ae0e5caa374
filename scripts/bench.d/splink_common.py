"""What the Splink comparison scripts of bench.d share: text cleaned as a data team would,
the Linker across Splink 4 and 5, and pairwise F1 scored at 0.5 and at the best threshold."""
from splink import Linker


def clean(s):
    """Lower case, punctuation to spaces, spaces collapsed."""
    return (
        s.str.lower().str.replace(r"[^a-z0-9 ]", " ", regex=True)
        .str.replace(r"\s+", " ", regex=True).str.strip()
    )


def make_linker(api, frames, settings):
    """A Linker over one frame or several: Splink 5 registers tables with the backend first,
    Splink 4 takes the frames and the backend together."""
    try:
        tables = [api.register(f) for f in frames]
        return Linker(tables[0] if len(tables) == 1 else tables, settings)
    except AttributeError:
        return Linker(frames[0] if len(frames) == 1 else frames, settings, api)


def prf(truth, found):
    """Pairwise F1, precision and recall of `found` pairs against `truth` pairs."""
    hit = len(truth & found)
    prec = hit / len(found) if found else 1.0
    rec = hit / len(truth)
    return (2 * prec * rec / (prec + rec) if prec + rec else 0.0), prec, rec


def report(score, thresholds):
    """Prints `F1 P R` at the default threshold 0.5, then `best F1 P R at T` over the sweep."""
    f1, p, r = score(0.5)
    print(f"{f1:.4f} {p:.4f} {r:.4f}")
    best = max(score(t) + (t,) for t in thresholds)
    print(f"best {best[0]:.4f} {best[1]:.4f} {best[2]:.4f} at {best[3]}")
