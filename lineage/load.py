"""Strict YAML loading: model files to position-carrying nodes.

The loader composes YAML with libyaml (``yaml.CSafeLoader``) when PyYAML has
it and the pure-Python composer otherwise, and never lets the YAML 1.1
resolver build values: every scalar stays text, with the kind the resolver
*would* give it (or a tag written in the file gives it), so that
:mod:`lineage.model` converts it by the type the format expects
(``country: NO`` is Norway, ``encrypted: yes`` is an error).

Duplicate keys, syntax errors, non-UTF-8 bytes, tags other than the core
ones, alias bombs and recursive aliases are errors with ``file:line:col``.
Model files are only read.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import yaml

from lineage.errors import InputErrors, LineageError, Loc, read_input

#: Expanded size of a document may exceed its distinct node count by this
#: factor (plus ``ALIAS_SLACK``) before it is treated as an alias bomb.
ALIAS_FACTOR = 10
ALIAS_SLACK = 10_000

_YAML_TAG = "tag:yaml.org,2002:"


class KindResolver(yaml.resolver.Resolver):
    """YAML 1.1 resolution to a bare kind (``int``, ``str``, ``map`` ...) rather than a tag.

    A tag written in the file (``!!int 2``, ``!foo x``) keeps its full form,
    so that the builder can tell it from a resolved one. A loader given to
    :func:`compose` must resolve this way (list it before PyYAML's loader).
    """

    yaml_implicit_resolvers: ClassVar[dict] = {
        first: [(tag.removeprefix(_YAML_TAG), regexp) for tag, regexp in resolvers]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    DEFAULT_SCALAR_TAG, DEFAULT_SEQUENCE_TAG, DEFAULT_MAPPING_TAG = "str", "seq", "map"

    def resolve(self, kind, value, implicit):
        """PyYAML's resolution, lean: no path or wildcard resolvers exist here (called once per node)."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return "str"
        return "seq" if kind is yaml.SequenceNode else "map"

    def descend_resolver(self, current_node, current_index):
        """Nothing to track: the model format has no path resolvers."""

    def ascend_resolver(self):
        """Nothing to track: the model format has no path resolvers."""


class _Composer(KindResolver, getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader):
    """libyaml's loader when PyYAML has it, else the pure-Python one; used only to compose."""


_KINDS = KindResolver()
#: What :class:`KindResolver` resolves to: any other tag is written in the file.
_RESOLVED = frozenset({"str", "seq", "map"}.union(
    *({tag for tag, _ in resolvers} for resolvers in KindResolver.yaml_implicit_resolvers.values())))
#: The tags a scalar may carry, and the kind each gives it.
_CORE_TAGS = {_YAML_TAG + kind: kind for kind in ("str", "int", "float", "bool", "null")}


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


def read_folder(folder: str | Path) -> list[Source]:
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
        When the folder does not exist or holds no model file.
    """
    root = Path(folder)
    shown = display_path(root)
    if root.is_file():
        return [_read(root)]
    if not root.is_dir():
        raise InputErrors([LineageError(Loc(shown, 0, 0), "no such model folder (lineage init starts one)")])
    paths, unreadable = yaml_files(root)
    if not paths and not unreadable:
        raise InputErrors(
            [LineageError(Loc(shown, 0, 0), "no model files (*.yaml, *.yml) in this folder")]
        )
    return sorted([_read(path) for path in paths] + unreadable, key=lambda s: s.path)


def yaml_files(root: Path) -> tuple[list[Path], list[Source]]:
    """Return the ``*.yaml``/``*.yml`` files under the folder `root`, sorted, and the folders it cannot read.

    Hidden files and folders are skipped, links to folders followed (each
    folder once), FIFOs skipped; a broken link is listed, for its reader to report.
    """
    found, errors = [], []
    seen: set[tuple[int, int]] = set()  # (device, inode) of each folder read
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


def load_sources(sources: Iterable[Source], tick=None) -> list[Document]:
    """Compose every source into nodes, collecting the errors of all files.

    `tick`, when given, is called after each file (progress display).

    Raises
    ------
    InputErrors
        With every syntax, encoding, duplicate-key and alias error found.
    """
    documents = compose_sources(sources, tick)
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


def compose(source: Source, loader=None, prepare=None) -> Document:
    """Compose one source into nodes with their positions.

    Parameters
    ----------
    source : Source
    loader : type, optional
        A PyYAML loader class resolving as :class:`KindResolver`; default
        libyaml's when PyYAML has it. The importers pass one that accepts
        anchors defined twice, as Threagile models do.
    prepare : callable, optional
        Called with the composed PyYAML tree before nodes are built; returns a
        list of errors (the importers expand merge keys here).

    Returns
    -------
    Document
        With the tag errors, if any (the root is still usable).

    Raises
    ------
    InputErrors
        When the file cannot be read as a whole: encoding, syntax, duplicate
        keys, recursive aliases, alias bombs, or what `prepare` reports.
    """
    text = _decode(source)
    try:
        composed = yaml.compose(text, Loader=loader or _Composer)
    except RecursionError:  # the pure-Python composer recurses; libyaml stops at depth 1000 itself
        raise InputErrors([LineageError(Loc(source.path), "YAML nested too deeply")]) from None
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
    if composed is None or composed.tag == "null":  # no document, or one with nothing in it (`---` alone)
        return Document(source.path, None)
    prepared = prepare(composed, source.path) if prepare else []
    if prepared:
        raise InputErrors(prepared)
    builder = _Builder(source.path)
    root = builder.build(composed)
    if builder.broken:
        raise InputErrors(builder.errors)
    if builder.aliases:
        if loader is None:  # another loader may rewrite the tree (merge keys, anchors defined again)
            _place_aliases(text, builder.aliases, source.path)
        _check_expansion(root, builder.distinct, source.path)
    return Document(source.path, root, builder.errors)


def _place_aliases(text: str, aliases: list[Mapping | Sequence], path: str) -> None:
    """Locate each alias of a mapping or list where the alias is written (``- *base``).

    Composing keeps only the anchored node, so its place would show twice.
    The builder meets these aliases in document order, as the parser's
    events list them; only files with such aliases are parsed again.
    """
    anchors = set()  # of mappings and lists (an anchor is defined once)
    places = []
    for event in yaml.parse(text, Loader=_Composer):
        if isinstance(event, yaml.CollectionStartEvent) and event.anchor:
            anchors.add(event.anchor)
        elif isinstance(event, yaml.AliasEvent) and event.anchor in anchors:
            places.append(event.start_mark)
    for node, mark in zip(aliases, places, strict=True):
        node.loc = Loc(path, mark.line + 1, mark.column + 1)


_SCALAR = yaml.ScalarNode
_new_tuple = tuple.__new__


class _Builder:
    """Turn PyYAML nodes into ours once each (an alias shares the children of what it names).

    A tag it does not take is an error, and then ignored; a key it must drop
    (merge, complex or duplicate) makes the document `broken`: checking
    what is left would report what is not wrong.
    """

    def __init__(self, path: str):
        self.path = path
        self.memo: dict[int, Node] = {}
        self.distinct = 0
        self.aliases: list[Mapping | Sequence] = []  # in document order; see _place_aliases
        self.errors: list[LineageError] = []
        self.broken = False

    def drop(self, loc: Loc, message: str) -> None:
        """Report a key that the document loses."""
        self.errors.append(LineageError(loc, message))
        self.broken = True

    def unsupported(self, loc: Loc, tag: str) -> None:
        """Report a tag that the model format does not take."""
        self.errors.append(LineageError(loc, f"unsupported YAML tag {_shown(tag)}; remove it"))

    def loc(self, mark) -> Loc:
        return Loc(self.path, mark.line + 1, mark.column + 1)

    def build(self, root) -> Node:
        """Build `root` and everything under it, iteratively (deep nesting cannot exhaust the stack)."""
        slot: list = [None]
        # (PyYAML node, list to store the result in, index in it, key when the list holds mapping items)
        stack: list[tuple] = [(root, slot, 0, None)]
        while stack:
            node, into, index, key = stack.pop()
            built = self._node(node, stack)
            into[index] = built if key is None else (key, built)
        return slot[0]

    def _tagged(self, node, loc: Loc) -> Scalar:
        """Make the scalar of a tagged node: a core tag gives the kind; another is an error, then ignored."""
        plain = not node.style
        kind = _CORE_TAGS.get(node.tag)
        if kind is None:
            self.unsupported(loc, node.tag)
            return Scalar(node.value, _KINDS.resolve(yaml.ScalarNode, node.value, (plain, not plain)), plain, loc)
        return Scalar(node.value, kind, plain, loc, tagged=True)

    def _node(self, node, stack: list) -> Node:
        """Make our node for `node`; its scalar children now, the others pushed onto `stack`, to come next in order."""
        if node.__class__ is _SCALAR:  # most nodes: no memo, aliases to a leaf cost nothing
            self.distinct += 1
            mark = node.start_mark
            loc = _new_tuple(Loc, (self.path, mark.line + 1, mark.column + 1))  # Loc(...) without its wrapper
            if node.tag in _RESOLVED:
                return Scalar(node.value, node.tag, not node.style, loc)
            return self._tagged(node, loc)
        done = self.memo.get(id(node))
        if done is not None:  # an alias: a node of its own, for its place, sharing the children
            alias = Mapping(done.items, done.loc, done._index) if isinstance(done, Mapping) \
                else Sequence(done.items, done.loc)
            self.aliases.append(alias)
            return alias
        self.distinct += 1
        loc = self.loc(node.start_mark)
        if node.tag.removeprefix(_YAML_TAG) != ("seq" if isinstance(node, yaml.SequenceNode) else "map"):
            self.unsupported(loc, node.tag)
        if isinstance(node, yaml.SequenceNode):
            seq = Sequence([None] * len(node.value), loc)
            self.memo[id(node)] = seq
            items, pending = seq.items, []
            for i, child in enumerate(node.value):
                if child.__class__ is _SCALAR:  # a leaf: built now, not pushed and popped
                    items[i] = self._node(child, stack)
                else:
                    pending.append((child, items, i, None))
            stack.extend(reversed(pending))
            return seq
        mapping = Mapping([], loc)
        self.memo[id(node)] = mapping
        pending = []
        for key_node, value_node in node.value:
            if key_node.tag == "merge":
                self.drop(self.loc(key_node.start_mark), "merge keys ('<<') are not supported; write the keys out")
                continue
            if key_node.__class__ is not _SCALAR:
                self.distinct += 1
                self.drop(self.loc(key_node.start_mark), "a mapping key must be a plain word")
                continue
            key = self._node(key_node, stack)
            first = mapping._index.get(key.text)
            if first is not None:
                was = mapping.items[first][0].loc
                self.drop(key.loc, f"duplicate key {key.text!r} (first at line {was.line}, column {was.column})")
                continue
            mapping._index[key.text] = len(mapping.items)
            if value_node.__class__ is _SCALAR:  # a leaf: built now, not pushed and popped
                mapping.items.append((key, self._node(value_node, stack)))
                continue
            pending.append((value_node, mapping.items, len(mapping.items), key))
            mapping.items.append((key, None))
        stack.extend(reversed(pending))
        return mapping


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
