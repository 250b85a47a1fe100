"""Importers: Fides manifests and Threagile models to the lineage model format.

Each importer (:func:`lineage.importers.fides.import_fides`,
:func:`lineage.importers.threagile.import_threagile`) is a function from a
source path to ``{filename: text}``: the model files it would write, sorted
and deterministic, each with a header saying where it comes from and TODO
comments where the source does not say what the format needs (country, role,
retention, legal basis ...). :func:`write_files` writes them and refuses to
overwrite anything.

Foreign files are read with the composer of :mod:`lineage.load` (positions,
duplicate keys, alias bombs and recursive aliases are handled once, there),
with the two allowances foreign YAML needs: an anchor may be defined again
and merge keys (``<<: *base``) are expanded, as Go's yaml.v3 does for
Threagile models. Scalars then take their YAML 1.1 values (``true`` is a bool, ``12``
an int), as PyYAML reads Fides manifests, or stay text as written (``NO``,
``0123``), as Go's yaml.v3 reads the strings of a Threagile model. The
result is plain dicts and lists (:class:`YamlMap`, :class:`YamlList`) that
remember where each value is written, so that an importer reports every
problem as ``file:line:col: error: message``, all at once.

This module holds what both importers share: reading, id normalisation and a
small YAML writer that keeps comments.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lineage.errors import InputErrors, LineageError, Loc, read_input
from lineage.load import CONTROL, Node, Scalar, Sequence, Source, compose, display_path

#: Country assumed (and marked TODO) where the source names none.
DEFAULT_COUNTRY = "FR"
#: How to fill a purpose's special_condition, said in the TODO of a purpose with special-category data.
SPECIAL_CONDITION_HOW = ("give the Art. 9(2) letter (a..j) for Art. 9 data, art10 for Art. 10 data "
                         "(a list when both: [h, art10])")
#: The files an importer returns, in this order.
FILES = ("fields.yaml", "purposes.yaml", "organizations.yaml", "systems.yaml", "flows.yaml")


# --------------------------------------------------------------------------- reading


display = display_path  # a path as the user would type it, with forward slashes


def problem(where: str, message: str) -> InputErrors:
    """Return an :class:`InputErrors` about a whole file (no line known)."""
    return InputErrors([LineageError(Loc(where, 0, 0), message)])


class Errors(list):
    """The input errors an importer has found so far, to raise all at once."""

    def add(self, loc: Loc, message: str) -> None:
        """Record `message` at `loc`."""
        self.append(LineageError(loc, message))

    def raise_any(self) -> None:
        """Raise :class:`InputErrors` with every error recorded, if there is one."""
        if self:
            raise InputErrors(list(self))


class YamlMap(dict):
    """A foreign mapping: a dict of its keys (as text) and values, plus where they are written.

    Attributes
    ----------
    loc : Loc
        Where the mapping starts.
    locs : dict[str, Loc]
        Key -> where its value is written.
    key_locs : dict[str, Loc]
        Key -> where the key is written.
    """

    def __init__(self, loc: Loc):
        super().__init__()
        self.loc = loc
        self.locs: dict[str, Loc] = {}
        self.key_locs: dict[str, Loc] = {}

    def at(self, key: str) -> Loc:
        """Return where the value of `key` is written, or where the mapping starts."""
        return self.locs.get(key, self.loc)

    def key_at(self, key: str) -> Loc:
        """Return where `key` is written, or where the mapping starts."""
        return self.key_locs.get(key, self.loc)


class YamlList(list):
    """A foreign sequence: a list of its values, plus where each is written.

    Attributes
    ----------
    loc : Loc
        Where the sequence starts.
    locs : list[Loc]
        Where each item is written.
    """

    def __init__(self, loc: Loc):
        super().__init__()
        self.loc = loc
        self.locs: list[Loc] = []

    def at(self, index: int) -> Loc:
        """Return where item `index` is written."""
        return self.locs[index]


def loc_of(value: Any, default: Loc) -> Loc:
    """Return where `value` starts when it is a :class:`YamlMap` or :class:`YamlList`, else `default`."""
    return value.loc if isinstance(value, YamlMap | YamlList) else default


def kind_of(value: Any) -> str:
    """Name the YAML kind of a foreign value, for messages.

    Examples
    --------
    >>> kind_of({}), kind_of([]), kind_of(None), kind_of(True), kind_of(12), kind_of("x")
    ('a mapping', 'a list', 'null', 'bool', 'int', 'str')
    """
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return "null" if value is None else type(value).__name__


def nested(parent: YamlMap, key: str, shape: type[dict] | type[list], what: str, errors: Errors) -> Any:
    """Return the mapping or the list under `key` of `parent`.

    Parameters
    ----------
    parent : YamlMap
        A foreign mapping.
    key : str
        The key whose value is read.
    shape : {dict, list}
        The kind of value expected there.
    what : str
        What the value is, for messages: ``"system a: egress"``.
    errors : Errors
        Where a value of another kind is recorded, at its file:line:col.

    Returns
    -------
    YamlMap or YamlList
        The value; an empty ``dict`` or ``list`` (as `shape` says) when it is
        absent, null or of another kind.
    """
    value = parent.get(key)
    if value is None:
        return shape()
    if not isinstance(value, shape):
        errors.add(parent.at(key), f"{what} must be {kind_of(shape())}, not {kind_of(value)}")
        return shape()
    return value


def located_keys(parent: YamlMap, key: str, what: str, errors: Errors) -> list[tuple[str, Loc]]:
    """Return the ids listed under `key` of `parent`, each with where it is written.

    Parameters
    ----------
    parent : YamlMap
        A foreign mapping.
    key : str
        The key whose value is a list of ids (Fides keys, Threagile ids).
    what : str
        What the list is, for messages: ``"technical asset 'a': data_assets_stored"``.
    errors : Errors
        Where a value that is not a list, and each item that is not an id, is
        recorded at its own file:line:col.

    Returns
    -------
    list[tuple[str, Loc]]
        The ids, in the order written, each with where it is written; [] when
        the value is absent, null or not a list.

    Notes
    -----
    An id is a string. Booleans, numbers, nulls, mappings and lists are not:
    YAML 1.1 reads ``yes`` as True and ``012`` as 10, so their text is not
    what is written (quoting them makes them ids). A bad item is left out and
    the other items are kept, so that every bad item is reported in one run.
    """
    items = nested(parent, key, list, what, errors)
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append((item, items.at(i)))
        else:
            errors.add(items.at(i), f"{what} must be a list of ids, found {kind_of(item)}")
    return out


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _scalar(node: Scalar) -> Any:
    """Return the YAML 1.1 value of a plain scalar (bool, int, float, None, date or str)."""
    tag = "tag:yaml.org,2002:" + node.kind
    build = _CONSTRUCTOR.yaml_constructors.get(tag) if node.plain else None
    if build is None:
        return node.text
    try:
        return build(_CONSTRUCTOR, yaml.ScalarNode(tag, node.text))
    except (ValueError, yaml.YAMLError):
        return node.text


def _as_written(node: Scalar) -> str | None:
    """Return the text of a scalar as written (YAML 1.2 as Go's yaml.v3 reads into a string), None for null."""
    return None if node.kind == "null" else node.text


def _values(node: Node, memo: dict[int, Any], scalar_value=_scalar) -> Any:
    """Return `node` as plain values: :class:`YamlMap`, :class:`YamlList` or a scalar value."""
    if isinstance(node, Scalar):
        return scalar_value(node)
    done = memo.get(id(node))
    if done is not None:
        return done
    if isinstance(node, Sequence):
        out = memo[id(node)] = YamlList(node.loc)
        for item in node.items:
            out.append(_values(item, memo, scalar_value))
            out.locs.append(item.loc)
        return out
    out = memo[id(node)] = YamlMap(node.loc)
    for key, value in node.items:
        out[key.text] = _values(value, memo, scalar_value)
        out.locs[key.text] = value.loc
        out.key_locs[key.text] = key.loc
    return out


def read_yaml(path: Path, as_written: bool = False) -> Any:
    """Read one foreign YAML file, keeping where each value is written.

    Parameters
    ----------
    path : Path
    as_written : bool
        Whether scalars stay text as written (null aside), as Go's yaml.v3
        reads them into the strings of a Threagile model (``owner: NO`` is
        "NO", ``id: 0123`` is "0123"); the importer then reads its booleans
        from the text. Else scalars take their YAML 1.1 values, as PyYAML
        (Fides) reads them.

    Returns
    -------
    Any
        The document as :class:`YamlMap`, :class:`YamlList` or a scalar value
        (None when empty).

    Raises
    ------
    InputErrors
        On unreadable files, bytes that are not UTF-8, YAML syntax errors,
        duplicate keys, merge keys naming no mapping, recursive aliases and
        alias bombs: every one found, each with file:line:col when known.
    """
    shown = display(path)
    if path.exists() and not path.is_file():  # a FIFO or a device would block or never end
        raise problem(shown, "not a regular file")
    try:
        data = read_input(path)
    except OSError as exc:
        raise problem(shown, f"cannot read: {exc.strerror or exc}") from None
    document = compose(Source(shown, data), foreign=True)
    if document.errors:
        raise InputErrors(document.errors)
    scalar_value = _as_written if as_written else _scalar
    return None if document.root is None else _values(document.root, {}, scalar_value)


#: Top-level keys that say what a foreign document is: the importer that reads it.
KINDS = {
    "threagile": ("threagile_version", "technical_assets", "data_assets", "trust_boundaries"),
    "fides": ("system", "dataset", "organization", "data_category", "data_use", "data_subject"),
}


def wrong_kind(doc: Any, kind: str) -> str | None:
    """Return the message for a document that the other importer reads, or None.

    Examples
    --------
    >>> wrong_kind({"title": "x", "technical_assets": {}}, "fides")
    'this looks like a Threagile model (use lineage import threagile)'
    >>> wrong_kind({"system": []}, "threagile")
    'this looks like a Fides manifest (use lineage import fides)'
    >>> wrong_kind({"system": []}, "fides") is None
    True
    """
    if not isinstance(doc, dict) or any(k in doc for k in KINDS[kind]):
        return None
    other = "fides" if kind == "threagile" else "threagile"
    if not any(k in doc for k in KINDS[other]):
        return None
    what = "a Fides manifest" if other == "fides" else "a Threagile model"
    return f"this looks like {what} (use lineage import {other})"


def text(value: Any) -> str:
    r"""Return a foreign value as one line of text (whitespace and control characters collapsed).

    Examples
    --------
    >>> text("Contract data might\n  contain PII. "), text("Bell\a and \x1b[1mbold")
    ('Contract data might contain PII.', 'Bell and [1mbold')
    >>> text(None), text(12)
    ('', '12')
    """
    if value is None:
        return ""
    return " ".join(CONTROL.sub(" ", str(value)).split())


# --------------------------------------------------------------------------- ids

_INVALID = re.compile(r"[^a-z0-9_.-]+")


def normalise_id(value: Any) -> str:
    """Turn a foreign key or title into an id of the form ``[a-z0-9][a-z0-9_.-]*``.

    Examples
    --------
    >>> normalise_id("Customer Web Client"), normalise_id("browser>app-server")
    ('customer-web-client', 'browser.app-server')
    >>> normalise_id("Éléments  (v2)"), normalise_id("--"), normalise_id("demo_users_dataset")
    ('elements-v2', 'x', 'demo_users_dataset')
    """
    s = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    s = _INVALID.sub("-", s.replace(">", "."))
    s = re.sub(r"-{2,}", "-", s)
    s = re.sub(r"\.{2,}", ".", s)
    s = s.strip("-._")
    return s or "x"


class Ids:
    """Ids of one section: normalised, unique, and remembered per source key.

    Allocate in a deterministic order (sorted source keys) so that two runs
    give the same ids; :meth:`reserve` the keys of a section first, so that a
    key that is already a valid id keeps it.

    Examples
    --------
    >>> ids = Ids()
    >>> ids.get("Web Server"), ids.get("web-server"), ids.get("Web Server")
    ('web-server', 'web-server-2', 'web-server')
    >>> ids = Ids()
    >>> ids.reserve(["Customer-Data", "customer-data"])
    >>> ids.get("Customer-Data"), ids.get("customer-data")
    ('customer-data-2', 'customer-data')
    """

    def __init__(self, taken: Iterable[str] = ()):
        self.used: set[str] = set(taken)
        self.by_source: dict[str, str] = {}

    def reserve(self, sources: Iterable[str | tuple[str, str]]) -> None:
        """Allocate the ids of `sources` (keys, or (key, wanted id) pairs), already valid ids first.

        An id that is already valid (``customer-data``) keeps it; one that is
        normalised (``Customer-Data``) takes the next free one.
        """
        pairs = [(s, s) if isinstance(s, str) else s for s in sources]
        for source, wanted in pairs:
            if normalise_id(wanted) == wanted:
                self.get(source, wanted)
        for source, wanted in pairs:
            self.get(source, wanted)

    def get(self, source: str, wanted: str | None = None) -> str:
        """Return the id of `source`, allocating one (from `wanted` if given) the first time."""
        found = self.by_source.get(source)
        if found is not None:
            return found
        base = normalise_id(wanted if wanted is not None else source)
        new, n = base, 1
        while new in self.used:
            n += 1
            new = f"{base}-{n}"
        self.used.add(new)
        self.by_source[source] = new
        return new


# --------------------------------------------------------------------------- YAML writing


@dataclass(frozen=True)
class Note:
    """A value written with a trailing comment: ``key: value  # comment``."""

    value: Any
    comment: str


@dataclass(frozen=True)
class Comment:
    """A comment line inside a mapping; stands as a key, its value is ignored."""

    text: str


class Map(list):
    """A mapping written in block style: a list of ``(key, value)`` pairs, in order."""


class Inline(dict):
    """A mapping written in flow style: ``{key: value, ...}``."""


_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .,'()/+-]*\Z")  # \Z: $ would let a final newline through
_PLAIN_FLOW = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .'/+-]*\Z")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_NON_PRINTABLE = re.compile(
    "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]"
)


def scalar(value: Any, flow: bool = False) -> str:
    r"""Write a scalar so that the strict loader reads it back as the same text.

    Plain when that is safe (no YAML 1.1 coercion: ``NO``, ``012``, ``2024-01-01``
    are quoted), otherwise double-quoted with escapes.

    Examples
    --------
    >>> scalar("contact.personal"), scalar("NO"), scalar("012"), scalar(True), scalar('a: "b"')
    ('contact.personal', '"NO"', '"012"', 'true', '"a: \\"b\\""')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    s = str(value)
    plain = (_PLAIN_FLOW if flow else _PLAIN).match(s)
    if (
        plain
        and not s.endswith(" ")
        and _RESOLVER.resolve(yaml.ScalarNode, s, (True, False)) == _STR_TAG
    ):
        return s
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _NON_PRINTABLE.match(ch):
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _comment(text_: str) -> str:
    return " ".join(_NON_PRINTABLE.sub(" ", str(text_)).split())


def _comment_lines(text_: str, indent: int) -> list[str]:
    pad = " " * indent
    lines = textwrap.wrap(
        _comment(text_),
        width=max(40, 100 - indent - 2),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [""]
    return [f"{pad}# {line}".rstrip() for line in lines]


def _flow_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow_value(v) for v in value) + "]"
    return scalar(value, flow=True)


def _emit_map(pairs: Iterable, indent: int, out: list[str], dash: bool = False) -> None:
    """Write a block mapping at `indent`; with `dash`, its first key follows ``- ``."""
    first = True
    for key, value in pairs:
        if isinstance(key, Comment):
            out.extend(_comment_lines(key.text, indent - 2 if first and dash else indent))
            continue
        lead = " " * (indent - 2) + "- " if first and dash else " " * indent
        first = False
        comment = None
        if isinstance(value, Note):
            value, comment = value.value, value.comment
        tail = f"  # {_comment(comment)}" if comment else ""
        if isinstance(value, Map):
            out.append(f"{lead}{key}:{tail}")
            _emit_map(value, indent + 2, out)
        elif isinstance(value, list | tuple) and value and all(isinstance(v, Map) for v in value):
            out.append(f"{lead}{key}:{tail}")
            for item in value:
                _emit_map(item, indent + 4, out, dash=True)
        elif isinstance(value, list | tuple) and value:
            line = f"{lead}{key}: {_flow_value(value)}"
            if len(line) + len(tail) <= 100:
                out.append(line + tail)
            else:
                out.append(f"{lead}{key}:{tail}")
                out.extend(f"{' ' * (indent + 2)}- {scalar(v)}" for v in value)
        elif isinstance(value, list | tuple | dict):
            out.append(f"{lead}{key}: {_flow_value(value)}{tail}")
        else:
            out.append(f"{lead}{key}: {scalar(value)}{tail}")


@dataclass
class Section:
    """One top-level section of a model file: its entries and the comments above them."""

    name: str
    entries: list[Map]
    notes: list[str]


def render(header: list[str], sections: list[Section]) -> str:
    """Write a model file: header comments, ``version: 1``, then each section.

    Examples
    --------
    >>> print(render(["From somewhere."], [Section("fields", [Map([("id", "email"),
    ...     ("category", Note("contact.personal", "Fides: user.contact.email"))])], [])]), end="")
    # From somewhere.
    version: 1
    <BLANKLINE>
    fields:
      - id: email
        category: contact.personal  # Fides: user.contact.email
    """
    out: list[str] = []
    for line in header:
        out.extend(_comment_lines(line, 0) if line else ["#"])
    out.append("version: 1")
    for section in sections:
        out.append("")
        for note in section.notes:
            out.extend(_comment_lines(note, 0))
        if not section.entries:
            out.append(f"{section.name}: []")
            continue
        out.append(f"{section.name}:")
        for i, entry in enumerate(section.entries):
            if i:
                out.append("")
            _emit_map(entry, 4, out, dash=True)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- writing


class OutputExists(Exception):
    """The output folder cannot take the import: nothing is written then (the CLI exits 2)."""


class Imported(dict):
    """The files an importer returns (name -> text), and the folder it read, if it read one.

    Attributes
    ----------
    source : Path or None
        The folder of manifests read (Fides): the model files may not be
        written inside it, where the next import would read them as manifests.
    """

    def __init__(self, files: dict[str, str], source: Path | None = None):
        super().__init__(files)
        self.source = source


def write_files(files: dict[str, str], folder: str | Path) -> list[Path]:
    """Write `files` into `folder` (created if needed); never overwrite.

    Returns
    -------
    list[Path]
        The paths written, in the order of `files`.

    Raises
    ------
    OutputExists
        With one line saying why, when nothing can be written: `folder` is a
        file or named as one (``model.yaml``), lies inside the folder imported,
        lies under a file, holds any of the files already, holds a model that
        the imported files do not fit (ids declared twice ...), or cannot be
        created.
    """
    root = Path(folder)
    _refuse_output(root, getattr(files, "source", None))
    clash = [name for name in files if (root / name).exists()]
    if clash:
        raise OutputExists(
            f"{display(root)} already holds {', '.join(clash)}: refusing to overwrite; "
            "remove them or choose another folder with -o"
        )
    _check_combined(files, root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputExists(f"cannot create {display(root)}: {exc.strerror or exc}") from None
    written = []
    for name, content in files.items():
        path = root / name
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
        except FileExistsError:
            raise OutputExists(
                f"{display(path)} appeared while writing: refusing to overwrite"
            ) from None
        except OSError as exc:
            raise OutputExists(f"cannot write {display(path)}: {exc.strerror or exc}") from None
        written.append(path)
    return written


def _refuse_output(root: Path, source: Path | None) -> None:
    """Raise :class:`OutputExists` when `root` is no folder to write a model in."""
    shown = display(root)
    if root.exists() and not root.is_dir():
        raise OutputExists(f"{shown} is a file, not a folder: -o takes the folder to write the model files in")
    if not root.exists() and root.suffix.lower() in (".yaml", ".yml"):
        raise OutputExists(
            f"{shown} is named as a file: -o takes the folder to write the model files in "
            "(fields.yaml, systems.yaml ...)"
        )
    above = next((p for p in root.absolute().parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise OutputExists(f"cannot create {shown}: {display(above)} is a file, not a folder")
    if source is not None:
        inside, src = root.resolve(), source.resolve()
        if inside == src or src in inside.parents:
            raise OutputExists(
                f"{shown} is inside the folder being imported ({display(source)}): the next import "
                "would read the model files as manifests; choose a folder outside it with -o"
            )


def _check_combined(files: dict[str, str], root: Path) -> None:
    """Raise :class:`OutputExists` when `root` holds a model that `files` would make invalid.

    The model files already there and the imported ones are validated
    together, as ``lineage validate`` would read the folder: an id declared in
    both (an organization, a system ...) or a reference that no longer
    resolves is listed, each at its place; nothing is written then.
    """
    from lineage.load import read_folder, yaml_files
    from lineage.model import load_model_sources

    if not root.is_dir() or not any(yaml_files(root)):  # no model file, no unreadable folder
        return
    new = [Source(display(root / name), content.encode()) for name, content in files.items()]
    try:
        load_model_sources(read_folder(root) + new)
    except InputErrors as exc:
        names = ", ".join(files)
        problems = "\n".join(f"  {e}" for e in exc.errors)
        raise OutputExists(
            f"{display(root)} already holds model files, and with the imported ones ({names}, not "
            "written) the model does not validate; nothing was written: import into a new folder "
            f"and merge by hand, or fix these:\n{problems}"
        ) from None


def check_output(files: dict[str, str], folder: str | Path) -> None:
    """Validate the files an importer returns as a model, as if written in `folder`.

    Raises
    ------
    InputErrors
        When the converted model does not validate (a bug of the importer).
    """
    from lineage.model import load_model_sources

    root = Path(folder)
    load_model_sources(
        [Source(display(root / name), content.encode()) for name, content in files.items()]
    )


def header(tool: str, source: Path, files: list[Path], notes: Iterable[str] = ()) -> list[str]:
    """Return the header comment lines of every imported file."""
    names = [p.relative_to(source).as_posix() if p != source else p.name for p in files]
    lines = [
        f"Imported by `lineage import {tool}` from {source.name or display(source)}"
        + (f" ({', '.join(names)})." if source.is_dir() else "."),
        "Review every TODO: the source does not say what the lineage format needs there;",
        "values marked TODO are placeholders that let the model validate, not facts.",
    ]
    lines.extend(notes)
    return lines
