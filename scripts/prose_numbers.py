"""Every number a notebook's text quotes must be shown by one of its cells.

A quoted number is one a reader would take for a result: one with a decimal point, a thousands
separator, a percent sign, or at least three digits. Small bare integers (5 folds, k = 3, §7.4,
notebook 09) are structure, not results, and are not checked; nor are years, `code spans` and
fenced code blocks (commands),
section references (§…), file names and the notebook's own title line.

A quoted number matches an output number when the output, rounded to the quote's decimals (half
up or half to even), gives the quote; a percentage also matches a share (15.1 % ↔ 0.151). Outputs
are every text/plain, text/html (tags stripped) and stdout text of the notebook's code cells.
"""

import html
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

# 1,234.5 / 1 234 / −0.25 / +4.04 / 15.1 % — the sign and separators are normalised away.
NUMBER = re.compile(r"(?<![\w.§/])(?<!\w-)[−+-]?\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?(?![\w]|\.\d)|"
                    r"(?<![\w.§/])(?<!\w-)[−+-]?\d+(?:\.\d+)?(?![\w])")
CODE_BLOCK = re.compile(r"```.*?```", re.S)
CODE_SPAN = re.compile(r"`[^`]*`")
SECTION = re.compile(r"§\s?[\d.]+(?:[-–][\d.]+)?")
VERSION = re.compile(r"\b\d+\.\d+\.\d+\b")
FILE_NAME = re.compile(r"\b[\w./-]+\.(?:csv|parquet|json|md|ipynb|html|svg|png|rs|py|toml)\b")
TAG = re.compile(r"<[^>]+>")


def _decimal(text):
    t = text.replace("−", "-").replace(",", "").replace("\u202f", "").replace("\u00a0", "")
    t = t.replace(" ", "").lstrip("+")
    try:
        return Decimal(t)
    except InvalidOperation:
        return None


def _is_quoted(raw, after):
    """Whether a number in prose is a result worth checking."""
    digits = re.sub(r"\D", "", raw)
    if "." in raw or "," in raw or "\u202f" in raw:
        return True
    if after.lstrip().startswith("%"):
        return True
    value = int(digits) if digits else 0
    if 1800 <= value <= 2100 and len(digits) == 4:
        return False  # a year
    return len(digits) >= 3


def quoted_numbers(markdown):
    """The quoted numbers of a markdown text, as (raw text, Decimal, is a percentage)."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("#"):
        lines = lines[1:]  # the title line names the notebook
    text = "\n".join(lines)
    for pattern in (CODE_BLOCK, CODE_SPAN, SECTION, VERSION, FILE_NAME):
        text = pattern.sub(" ", text)
    out = []
    for m in NUMBER.finditer(text):
        raw = m.group(0)
        after = text[m.end():m.end() + 3]
        if not _is_quoted(raw, after):
            continue
        value = _decimal(raw)
        if value is not None:
            out.append((raw.strip(), abs(value), after.lstrip().startswith("%")))
    return out


def output_numbers(texts):
    """Every number in the given output texts, as Decimals (absolute values)."""
    found = set()
    for t in texts:
        t = html.unescape(TAG.sub(" ", t))
        for m in NUMBER.finditer(t):
            v = _decimal(m.group(0))
            if v is not None:
                found.add(abs(v))
    return found


def _rounds_to(value, quoted):
    exp = quoted.as_tuple().exponent
    q = Decimal(1).scaleb(exp)
    return any(value.quantize(q, rounding=r) == quoted for r in (ROUND_HALF_UP, ROUND_HALF_EVEN))


def matches(quoted, percent, outputs):
    """Whether an output, or for a percentage an output share × 100, rounds to the quoted number."""
    for v in outputs:
        for candidate in (v, v * 100) if percent else (v,):
            try:
                if _rounds_to(candidate, quoted):
                    return True
            except InvalidOperation:
                continue
    return False


def output_texts(nb):
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                texts.append(out.get("text", ""))
            for key in ("text/plain", "text/html"):
                value = out.get("data", {}).get(key)
                if value:
                    texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def unshown_numbers(nb):
    """(cell index, quoted text) of every quoted number no output of the notebook shows."""
    outputs = output_numbers(output_texts(nb))
    missing = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for raw, value, percent in quoted_numbers(cell.source):
            if not matches(value, percent, outputs):
                missing.append((i, raw))
    return missing


if __name__ == "__main__":
    # Self-check: the rules above on hand-made cases.
    outs = output_numbers(["<td>0.8755</td> rows 2205 share 0.151", "1,382 MU", "age 14"])
    assert matches(Decimal("0.876"), False, outs)
    assert matches(Decimal("2205"), False, outs)
    assert matches(_decimal("2,205"), False, outs)
    assert matches(Decimal("15.1"), True, outs)
    assert matches(Decimal("1382"), False, outs)
    assert not matches(Decimal("0.877"), False, outs)
    assert not matches(Decimal("240"), False, outs)
    q = [r for r, _, _ in quoted_numbers("# 09 · Title 2014\nk = 3 folds in §7.4, `k 25`, 2,205 rows, 15.1 % and 0.919 in 2014; 240 of them")]
    assert q == ["2,205", "15.1", "0.919", "240"], q
    q = [r for r, _, _ in quoted_numbers("SHA-256 of 1893 births and the placeholder 666,666.")]
    assert q == ["666,666"], q
    q = [r for r, _, _ in quoted_numbers("SEED_STUDY.md §7.3-7.4 and XGBoost 3.4.1 gave 0.812")]
    assert q == ["0.812"], q
    print("prose_numbers: self-check ok")
