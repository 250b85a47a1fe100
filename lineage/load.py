"""Strict YAML loading: model files to position-carrying nodes.

The loader builds its nodes straight from the events of libyaml's parser
(``yaml.CSafeLoader``) when PyYAML has it, the pure-Python parser otherwise:
no PyYAML node tree is built in between, which halves the time and the peak
memory of a large file. It never lets the YAML 1.1 resolver build values:
every scalar stays text, with the kind the resolver *would* give it (or a
tag written in the file gives it), so that :mod:`lineage.model` converts it
by the type the format expects (``country: NO`` is Norway, ``encrypted: yes``
is an error).

Duplicate keys, syntax errors, non-UTF-8 bytes, tags other than the core
ones, merge keys, anchors defined again, control characters written as
escapes, alias bombs and recursive aliases are errors with ``file:line:col``.
Model files are only read.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lineage.errors import InputErrors, LineageError, Loc, read_input

#: Expanded size of a document may exceed its distinct node count by this
#: factor (plus ``ALIAS_SLACK``) before it is treated as an alias bomb.
ALIAS_FACTOR = 10
ALIAS_SLACK = 10_000

_YAML_TAG = "tag:yaml.org,2002:"


#: YAML 1.1's implicit resolvers by first character, each giving a bare kind (``int``, ``bool`` ...).
_IMPLICIT = {
    first: [(tag.removeprefix(_YAML_TAG), regexp) for tag, regexp in resolvers]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
#: The tags a scalar may carry, and the kind each gives it.
_CORE_TAGS = {_YAML_TAG + kind: kind for kind in ("str", "int", "float", "bool", "null")}
#: Collections nest no deeper than this (libyaml's own limit; the pure-Python parser has none).
MAX_DEPTH = 1000
#: Control characters a double-quoted scalar can hold through escapes (``"\\r"``, ``"\\e"``); tab and newline aside.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_kind(text: str) -> str:
    """Return what YAML 1.1 makes of a plain (unquoted) scalar: ``int``, ``bool``, ``null`` ... or ``str``.

    Examples
    --------
    >>> plain_kind("NO"), plain_kind("012"), plain_kind("2026-01-31"), plain_kind("<<"), plain_kind("FR")
    ('bool', 'int', 'timestamp', 'merge', 'str')
    """
    for kind, regexp in _IMPLICIT.get(text[:1], ()):
        if regexp.match(text):
            return kind
    return "str"


@dataclass(eq=False, slots=True)
class Scalar:
    """A scalar as written: its text, its kind, whether it was plain and whether a tag gave the kind.

    The kind is ``str``, ``int``, ``float``, ``bool``, ``null`` or
    ``timestamp``: what YAML 1.1 makes of the text, or what a tag written in
    the file says (``!!str 2``; then `tagged`).
    """

    text: str
    kind: str
    plain: bool
    loc: Loc
    tagged: bool = False


@dataclass(eq=False)
class Mapping:
    """A mapping with its keys in file order; keys are scalars."""

    items: list[tuple[Scalar, Node]]
    loc: Loc
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def get(self, key: str) -> Node | None:
        """Return the value node of `key`, or None."""
        i = self._index.get(key)
        return None if i is None else self.items[i][1]

    def key_loc(self, key: str) -> Loc:
        """Return where `key` is written, or the mapping's location."""
        i = self._index.get(key)
        return self.loc if i is None else self.items[i][0].loc


@dataclass(eq=False)
class Sequence:
    """A sequence of nodes."""

    items: list[Node]
    loc: Loc


Node = Scalar | Mapping | Sequence


@dataclass(frozen=True)
class Source:
    """One model file's bytes and the path to show for it.

    A file or folder that could not be read is a source with no bytes and
    the `problem`, so that composing reports it with every other error.
    """

    path: str
    data: bytes
    problem: str | None = None


@dataclass
class Document:
    """One composed file: its display path, its root node and its errors.

    `root` is None when the file is empty, or when it could not be composed
    (then `errors` says why).
    """

    path: str
    root: Node | None
    errors: list[LineageError] = field(default_factory=list)


def display_path(path: Path) -> str:
    r"""Return `path` as the user would type it from the current folder, with ``/``.

    Examples
    --------
    >>> display_path(Path("flows") / "a.yaml")
    'flows/a.yaml'
    >>> display_path(Path(b"caf\xe9.yaml".decode("utf-8", "surrogateescape")))
    'caf\\xe9.yaml'
    """
    text = str(path)
    if path.is_absolute():
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            text = rel
    text = text.replace(os.sep, "/")
    # a name that is not UTF-8 shows its odd bytes as \xNN, so every output can encode it
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_folder(folder: str | Path, empty_ok: bool = False) -> list[Source]:
    """Read every ``*.yaml``/``*.yml`` file under `folder`, sub-folders included.

    Files are returned sorted by path; hidden files and folders are skipped.
    Links to folders are followed, each folder being read once (so a link
    loop ends). FIFOs and other special files are skipped, as they could
    block.

    A folder or file that cannot be read (a broken link included) is a
    source with its `problem`, reported when the sources are composed.

    Raises
    ------
    InputErrors
        When the folder does not exist, or holds no model file and not `empty_ok`.
    """
    root = Path(folder)
    shown = display_path(root)
    if root.is_file():
        return [_read(root)]
    if not root.is_dir():
        raise InputErrors([LineageError(Loc(shown, 0, 0), "no such model folder (lineage init starts one)")])
    paths, unreadable = yaml_files(root)
    if not paths and not unreadable and not empty_ok:
        raise InputErrors(
            [LineageError(Loc(shown, 0, 0), "no model files (*.yaml, *.yml) in this folder")]
        )
    return sorted([_read(path) for path in paths] + unreadable, key=lambda s: s.path)


def yaml_files(root: Path) -> tuple[list[Path], list[Source]]:
    """Return the ``*.yaml``/``*.yml`` files under the folder `root`, sorted, and the folders it cannot read.

    Hidden files and folders are skipped, links to folders followed (each
    folder once, and never one holding `root`: a link to ``/`` would walk
    the whole disk), FIFOs skipped; a broken link is listed, for its reader
    to report.
    """
    found, errors = [], []
    seen: set[tuple[int, int]] = set()  # (device, inode) of each folder read
    real_root = root.resolve()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            status = folder.stat()
            if (status.st_dev, status.st_ino) in seen:
                continue
            seen.add((status.st_dev, status.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as exc:
            errors.append(Source(display_path(folder), b"", f"cannot read this folder: {exc.strerror or exc}"))
            continue
        subfolders = []
        for entry in entries:
            kind = _kind(entry)
            if kind == "folder":
                if not (entry.is_symlink() and real_root.is_relative_to(Path(entry.path).resolve())):
                    subfolders.append(folder / entry.name)
            # regular files only (a FIFO would block); a broken link is reported, not skipped
            elif kind in ("file", "broken") and entry.name.endswith((".yaml", ".yml")):
                found.append(folder / entry.name)
        stack.extend(reversed(subfolders))  # in name order: of two links to one folder, the first is read
    return sorted(found, key=lambda p: p.relative_to(root).as_posix()), errors


def _kind(entry: os.DirEntry) -> str | None:
    """Return ``folder`` or ``file`` (links followed), ``broken`` for a link to nothing, else None (a FIFO ...)."""
    try:
        if entry.is_dir():
            return "folder"
        if entry.is_file():
            return "file"
    except OSError:  # a link to itself
        return "broken"
    return "broken" if entry.is_symlink() and not os.path.exists(entry.path) else None


def _read(path: Path) -> Source:
    """Read one file; one that cannot be read is a source with its problem."""
    shown = display_path(path)
    if not path.exists():
        return Source(shown, b"", "cannot read: a broken symbolic link")
    try:
        return Source(shown, read_input(path))
    except OSError as exc:
        return Source(shown, b"", f"cannot read: {exc.strerror or exc}")


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while building many small objects.

    Loading, validating and graph building allocate millions of acyclic
    objects; every generation-2 pass walks all of them, which triples the
    cost on large models (see shared/domain/perf-baselines.md, section 1).
    On the way out the survivors are frozen (``gc.freeze``) so that later
    passes skip them too; they are still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def compose_sources(sources: Iterable[Source], tick=None) -> list[Document]:
    """Compose every source into nodes; a file's problems stay with its document.

    `tick`, when given, is called after each file (progress display). Use
    this rather than :func:`load_sources` when later stages can still check
    the files that composed (the model: all errors at once).

    Returns
    -------
    list[Document]
        One per source, in order; a file with syntax, encoding, duplicate-key
        or alias errors has them in ``errors`` and no root (a file whose
        only errors are tags keeps its root).
    """
    documents = []
    with paused_gc():
        for source in sources:
            try:
                documents.append(compose(source))
            except InputErrors as exc:
                documents.append(Document(source.path, None, exc.errors))
            if tick:
                tick()
    return documents


def load_sources(sources: Iterable[Source]) -> list[Document]:
    """Compose every source into nodes, collecting the errors of all files.

    Raises
    ------
    InputErrors
        With every syntax, encoding, duplicate-key and alias error found.
    """
    documents = compose_sources(sources)
    errors = [e for doc in documents for e in doc.errors]
    if errors:
        raise InputErrors(errors)
    return documents


def _decode(source: Source) -> str:
    if source.problem:
        raise InputErrors([LineageError(Loc(source.path, 0, 0), source.problem)])
    try:
        return source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = source.data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        byte = source.data[exc.start]
        raise InputErrors(
            [LineageError(Loc(source.path, line, column),
                          f"file is not valid UTF-8 (byte 0x{byte:02x}); save it as UTF-8")]
        ) from None


#: The parser: libyaml's when PyYAML has it (many times faster), else the pure-Python one.
_PARSER = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def compose(source: Source, foreign: bool = False) -> Document:
    """Compose one source into nodes with their positions, from the parser's events.

    Parameters
    ----------
    source : Source
    foreign : bool
        Read YAML as other tools write it (the importers): an anchor may be
        defined again (YAML 1.2, Go's yaml.v3), merge keys (``<<: *base``)
        bring the keys of the mappings they name, and escapes may write
        control characters. The model format takes none of these.

    Returns
    -------
    Document
        With the errors that leave the root usable (unsupported tags, control
        characters), if any.

    Raises
    ------
    InputErrors
        When the file cannot be read as a whole: encoding, syntax, duplicate
        keys, anchors defined again, merge keys, recursive aliases, alias bombs.
    """
    text = _decode(source)
    builder = _Builder(source.path, foreign)
    try:
        root = builder.build(_PARSER(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and exc.problem_mark and exc.problem_mark.index >= len(text.rstrip()):
            # the file ended: show what was left open
            mark = exc.context_mark
        where = Loc(source.path, mark.line + 1, mark.column + 1) if mark else Loc(source.path)
        message = " ".join(p for p in (exc.context, exc.problem) if p)
        raise InputErrors([LineageError(where, f"YAML syntax: {message}")]) from None
    except yaml.reader.ReaderError as exc:  # a control character: one line, at its place
        before = text[: max(0, min(exc.position, len(text)))]
        where = Loc(source.path, before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputErrors([LineageError(where, f"character {char} is not allowed in YAML ({exc.reason})")]) from None
    except yaml.YAMLError as exc:
        raise InputErrors([LineageError(Loc(source.path), f"YAML: {exc}")]) from None
    if builder.broken:
        raise InputErrors(builder.errors)
    if root is None or (root.__class__ is Scalar and root.kind == "null"):  # nothing, or `---` alone
        return Document(source.path, None)
    if builder.aliases:
        _check_expansion(root, builder.distinct, source.path)
    return Document(source.path, root, builder.errors)


_new_tuple = tuple.__new__
_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_MAPPING_START, _SEQUENCE_START = yaml.MappingStartEvent, yaml.SequenceStartEvent
#: What a mapping holds in place of a key whose value it drops.
_DROPPED = object()


class _Open:
    """A collection being built: the mapping or list, and for a mapping the key awaiting its value."""

    __slots__ = ("key", "merges", "node")

    def __init__(self, node: Mapping | Sequence):
        self.node = node
        self.key = None  # a Scalar or _DROPPED once a key is read
        self.merges: list[tuple[Loc, Node]] | None = None  # (where each merge key is, what it names)


class _Builder:
    """Turn the parser's events into our nodes, in one pass without recursion.

    An alias shares what its anchor names: the same scalar, or a mapping or
    list of its own (for its place) holding the same children. A tag it
    does not take is an error, and then ignored; a key it must drop (merge,
    complex or duplicate) or an anchor defined again makes the document
    `broken`: checking what is left would report what is not wrong.
    """

    def __init__(self, path: str, foreign: bool):
        self.path = path
        self.foreign = foreign
        self.anchors: dict[str, tuple[Node, Loc]] = {}
        self.kinds: dict[str, str] = {}  # plain scalar text -> kind: ids and enum words repeat
        self.distinct = 0
        self.aliases = False
        self.errors: list[LineageError] = []
        self.broken = False

    def drop(self, loc: Loc, message: str) -> None:
        """Report what the document loses."""
        self.errors.append(LineageError(loc, message))
        self.broken = True

    def unsupported(self, loc: Loc, tag: str) -> None:
        """Report a tag that the model format does not take."""
        self.errors.append(LineageError(loc, f"unsupported YAML tag {_shown(tag)}; remove it"))

    def loc(self, mark) -> Loc:
        return _new_tuple(Loc, (self.path, mark.line + 1, mark.column + 1))  # Loc(...) without its wrapper

    def build(self, parser) -> Node | None:
        """Build the single document of `parser`'s stream; None when there is none."""
        parser.get_event()  # the stream starts
        if parser.check_event(yaml.StreamEndEvent):
            return None
        start = parser.get_event()
        root = self._document(parser.get_event)
        parser.get_event()  # the document ends
        if not parser.check_event(yaml.StreamEndEvent):
            raise yaml.composer.ComposerError("expected a single document in the stream", start.start_mark,
                                              "but found another document", parser.get_event().start_mark)
        return root

    def _document(self, next_event) -> Node:
        """Build the nodes of one document from its events; return the root."""
        kinds, path, strict, opened = self.kinds, self.path, not self.foreign, []
        scalars = 0
        while True:
            event = next_event()
            cls = event.__class__
            if cls is _SCALAR:  # most events: inline
                scalars += 1
                mark, tag, style = event.start_mark, event.tag, event.style
                loc = _new_tuple(Loc, (path, mark.line + 1, mark.column + 1))
                if tag is None or tag == "!":
                    text = event.value
                    kind = "str"
                    if event.implicit[0]:
                        kind = kinds.get(text)
                        if kind is None:
                            kind = kinds[text] = plain_kind(text)
                    node = Scalar(text, kind, not style, loc)
                else:
                    node = self._tagged(event, loc)
                if style == '"' and strict and CONTROL.search(node.text):
                    self._control(node)
                if event.anchor is not None:
                    self._anchor(event.anchor, node, loc)
            elif cls is _MAPPING_START or cls is _SEQUENCE_START:
                opened.append(_Open(self._start(event)))
                if len(opened) > MAX_DEPTH:
                    raise InputErrors([LineageError(self.loc(event.start_mark), "YAML nested too deeply")])
                continue
            elif cls is _ALIAS:
                node = self._alias(event)
            else:  # the innermost collection ends
                done = opened.pop()
                node = done.node
                if done.merges:
                    self._merge(node, done.merges)
            if not opened:
                self.distinct += scalars
                return node
            into = opened[-1]
            if into.node.__class__ is Sequence:
                into.node.items.append(node)
            else:
                self._add(into, node)

    def _tagged(self, event, loc: Loc) -> Scalar:
        """Make the scalar of a tagged event: a core tag gives the kind; another is an error, then ignored."""
        plain = not event.style
        kind = _CORE_TAGS.get(event.tag)
        if kind is None:
            self.unsupported(loc, event.tag)
            return Scalar(event.value, plain_kind(event.value) if plain else "str", plain, loc)
        return Scalar(event.value, kind, plain, loc, tagged=True)

    def _control(self, scalar: Scalar) -> None:
        """Report a control character that an escape put in a scalar (names and notes reach terminals and logs)."""
        code = ord(CONTROL.search(scalar.text)[0])
        self.errors.append(LineageError(scalar.loc, f"control character U+{code:04X} (an escape) in {scalar.text!r}: "
                                                    "remove it; text is printed in terminals and CI logs"))

    def _start(self, event) -> Mapping | Sequence:
        """Make the empty mapping or list an event starts (and name it, when anchored)."""
        self.distinct += 1
        loc = self.loc(event.start_mark)
        node = Mapping([], loc) if event.__class__ is _MAPPING_START else Sequence([], loc)
        if event.tag is not None and event.tag != "!" \
                and event.tag != _YAML_TAG + ("map" if node.__class__ is Mapping else "seq"):
            self.unsupported(loc, event.tag)
        if event.anchor is not None:
            self._anchor(event.anchor, node, loc)
        return node

    def _anchor(self, name: str, node: Node, loc: Loc) -> None:
        first = self.anchors.get(name)
        if first is not None and not self.foreign:
            was = first[1]
            self.drop(loc, f"anchor &{name} is defined again (first at line {was.line}, column {was.column}); "
                           "give each anchor its own name")
        self.anchors[name] = (node, loc)

    def _alias(self, event) -> Node:
        """Return what an alias names: the scalar itself, or a collection of its own at the alias's place."""
        named = self.anchors.get(event.anchor)
        if named is None:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}",
                                              event.start_mark)
        self.aliases = True
        node = named[0]
        if node.__class__ is Mapping:
            return Mapping(node.items, self.loc(event.start_mark), node._index)
        if node.__class__ is Sequence:
            return Sequence(node.items, self.loc(event.start_mark))
        return node

    def _add(self, into: _Open, node: Node) -> None:
        """Add a finished node to the mapping open around it: a key, or a key's value."""
        collection = into.node
        key = into.key
        if key is None:  # `node` is a key
            into.key = self._key(collection, node)
            return
        into.key = None
        if key is _DROPPED:
            return
        if key.kind == "merge":  # foreign YAML only: the strict loader drops merge keys
            into.merges = into.merges or []
            into.merges.append((key.loc, node))
            return
        collection._index[key.text] = len(collection.items)
        collection.items.append((key, node))

    def _key(self, mapping: Mapping, node: Node):
        """Return the key `node` makes, or _DROPPED when the mapping drops it and its value."""
        if node.__class__ is not Scalar:
            self.drop(node.loc, "a mapping key must be a plain word")
            return _DROPPED
        if node.kind == "merge":
            if self.foreign:
                return node
            self.drop(node.loc, "merge keys ('<<') are not supported; write the keys out")
            return _DROPPED
        first = mapping._index.get(node.text)
        if first is not None:
            was = mapping.items[first][0].loc
            self.drop(node.loc, f"duplicate key {node.text!r} (first at line {was.line}, column {was.column})")
            return _DROPPED
        return node

    def _merge(self, mapping: Mapping, merges: list[tuple[Loc, Node]]) -> None:
        """Bring the keys of merged mappings into `mapping`, before its own (YAML merge keys).

        Keys written in the mapping win over merged ones, and an earlier
        merged mapping over a later one.
        """
        brought = []
        taken = set(mapping._index)
        for where, value in merges:
            for source in value.items if value.__class__ is Sequence else [value]:
                if source.__class__ is not Mapping:
                    self.drop(where, "a merge key ('<<') must name a mapping or a list of mappings")
                    continue
                for key, item in source.items:
                    if key.text not in taken:
                        taken.add(key.text)
                        brought.append((key, item))
        mapping.items[:0] = brought  # in place: an alias of this mapping shares the list
        mapping._index.clear()
        mapping._index.update((key.text, i) for i, (key, _) in enumerate(mapping.items))


def _shown(tag: str) -> str:
    """Return `tag` as it may be written: ``!!binary``, ``!local`` or ``!<uri>``.

    Examples
    --------
    >>> _shown("tag:yaml.org,2002:binary"), _shown("!foo"), _shown("tag:example.com,2026:x")
    ('!!binary', '!foo', '!<tag:example.com,2026:x>')
    """
    if tag.startswith(_YAML_TAG):
        return "!!" + tag.removeprefix(_YAML_TAG)
    return tag if tag.startswith("!") else f"!<{tag}>"


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, Mapping):
        for _, value in node.items:
            yield value
    elif isinstance(node, Sequence):
        yield from node.items


def _check_expansion(root: Node, distinct: int, path: str) -> None:
    """Refuse recursive aliases and documents whose aliases expand too far.

    Sizes are computed once per distinct node (iteratively, so deep nesting
    cannot exhaust the stack), which costs O(distinct nodes) however large
    the expansion would be.
    """
    limit = ALIAS_FACTOR * distinct + ALIAS_SLACK
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            on_path.discard(key)
            size[key] = min(limit + 1, 1 + sum(size[id(c)] for c in _children(node)))
            continue
        if key in size:
            continue
        if key in on_path:
            raise InputErrors([LineageError(node.loc, "recursive alias: a node contains itself")])
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise InputErrors([LineageError(child.loc, "recursive alias: a node contains itself")])
            if id(child) not in size:
                stack.append((child, False))
    if size[id(root)] > limit:
        raise InputErrors([LineageError(
            Loc(path, 1, 1),
            f"YAML aliases expand this file to more than {limit} nodes "
            f"(from {distinct} written); write the repeated parts out")])
