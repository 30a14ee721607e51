"""YAML that remembers where each value came from.

Content is parsed with libyaml's C parser when it is available (falling back to the pure-Python one).
Mappings become `LineDict` and sequences `LineList`: ordinary dict/list subclasses that carry the
1-based line of the node (`.line`) and, for mappings, the line of every key (`.key_lines`), so every
problem can be reported as `content/posts/yangguang.yaml:14: …`.

Two departures from YAML 1.1, both so that content reads the way people write it:
- `14:30` is the string "14:30", not the base-60 integer 870 (times are `HH:MM`);
- a key given twice in one mapping is reported instead of silently keeping the last value.
A YAML syntax error becomes a Problem at the line where the parser stopped, explained in Chinese for the
parser's common complaints (the parser's own English words otherwise, after a Chinese lead).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from site_builder import guard
from site_builder.errors import Problem

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class LineDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}
        self.duplicate_keys: list[tuple[Any, int]] = []

    def line_of(self, key: Any) -> int:
        """The line of `key` if present, else the line of the mapping itself."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


# YAML 1.1 integers and floats without the base-60 forms (so 14:30 stays a string).
_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""", re.X)
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    line_offset = 0


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _line(loader: _Loader, node: yaml.Node) -> int:
    return node.start_mark.line + 1 + loader.line_offset


_STR = "tag:yaml.org,2002:str"


def _value(loader: _Loader, node: yaml.Node) -> Any:
    """A node's value; a string (most values of front matter) directly, as construct_yaml_str gives it."""
    if node.tag == _STR and type(node) is yaml.ScalarNode:
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Any:
    result = LineDict()
    result.line = _line(loader, node)
    yield result
    own = {id(key_node) for key_node, _ in node.value}  # merged keys (<<: *anchor) may be overridden
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, value_node in node.value:
        key = _value(loader, key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "字段名不能是列表或一组字段", key_node.start_mark) from None
        if id(key_node) in own:
            if key in seen:
                result.duplicate_keys.append((key, _line(loader, key_node)))
            seen.add(key)
        result[key] = _value(loader, value_node)
        result.key_lines[key] = _line(loader, key_node)


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Any:
    result = LineList()
    result.line = _line(loader, node)
    yield result
    for item in node.value:
        result.append(_value(loader, item))
        result.item_lines.append(_line(loader, item))


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date-shaped value that is no date (2026-13-01) stays a string, for the reader to report."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


MAX_DEPTH = 64  # nesting of mappings and lists (content nests 4 deep; Python's recursion would give out)
MAX_ALIAS_NODES = 100_000  # values that anchors (&a) and aliases (*a) may add: a "billion laughs" file is refused
MAX_BYTES = 8 * 1024 * 1024  # a content YAML file (the largest real one is a few hundred KB)


def _bounded(text: str, shown: str, line_offset: int) -> Problem | None:
    """One pass over the parser's events (no recursion, nothing built): nesting deeper than MAX_DEPTH, or
    aliases that would expand to more than MAX_ALIAS_NODES values, is a Problem at its line. A syntax
    error is left to the real parse, which reports it."""
    if _plainly_bounded(text):
        return None
    loader = _Loader(text)
    depth: list[tuple[int, str | None]] = []  # each open collection: values counted when it began, its anchor
    anchors: dict[str, int] = {}
    counted = added = 0  # values as written; values aliases add
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1 + line_offset
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth.append((counted + added, event.anchor))
                counted += 1
                if len(depth) > MAX_DEPTH:
                    return Problem(shown, line, f"嵌套超过 {MAX_DEPTH} 层", f"层次不超过 {MAX_DEPTH} 的 YAML（内容文件一般只有三四层）")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                began, anchor = depth.pop()
                if anchor:
                    anchors[anchor] = counted + added - began
            elif isinstance(event, yaml.ScalarEvent):
                counted += 1
                if event.anchor:
                    anchors[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                added += max(anchors.get(event.anchor, 1), 1)
                if added > MAX_ALIAS_NODES:
                    return Problem(shown, line, f"锚点引用（*{event.anchor}）展开后超过 {MAX_ALIAS_NODES:,} 个值",
                                   "不用锚点和引用（&名称、*名称），或只引用少量内容")
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def _plainly_bounded(text: str) -> bool:
    """True when the text cannot break either limit (most front matter), so the event pass is skipped: no
    anchor or alias, and fewer characters that can open a collection ([ { - ? : and line breaks) than
    MAX_DEPTH, since every level of nesting needs one of them."""
    if "&" in text or "*" in text:
        return False
    return sum(text.count(c) for c in "[{-?:\n") < MAX_DEPTH


def parse(text: str, shown: str, line_offset: int = 0) -> tuple[Any, list[Problem]]:
    """Parse YAML text; `shown` is the path used in problems, `line_offset` lines precede the text."""
    simple = _simple(text, line_offset)
    if simple is not None:
        return simple, []
    return _parsed(text, shown, line_offset)


def _parsed(text: str, shown: str, line_offset: int) -> tuple[Any, list[Problem]]:
    """parse() by the parser itself."""
    bounded = _bounded(text, shown, line_offset)
    if bounded is not None:
        return None, [bounded]
    loader = _Loader(text)
    loader.line_offset = line_offset
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_problem(error, shown, line_offset, _line_count(text))]
    except yaml.YAMLError as error:
        return None, [Problem(shown, None, f"不是有效的 YAML（解析器提示：{error}）", SYNTAX_EXPECTED)]
    finally:
        loader.dispose()
    return data, _duplicate_key_problems(data, shown)


# The front matter most stories have, read without the parser (a third of a story's load time went to
# the parser's Python side): one `key: value` per line, each value a plain scalar, or a flow list of
# plain scalars, that resolves to a string, a whole number or a date. Anything else returns None and is
# left to the parser: quotes, nesting, comments, blank lines, a key given twice, other types, any
# character that is not plainly printable. tests/test_content_yamlload.py checks that it gives exactly
# what the parser gives, on hand-picked and on generated lines.
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*: ")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")  # a plain scalar does not start with one (nor a blank)
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT_TAG, _TIMESTAMP_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"
_NOT_SIMPLE = object()


def _simple(text: str, line_offset: int) -> LineDict | None:
    if not text or "\t" in text or "\r" in text:
        return None
    result = LineDict()
    result.line = 1 + line_offset
    for number, line in enumerate(text.split("\n"), 1 + line_offset):
        match = _SIMPLE_KEY.match(line)
        if match is None:
            return None
        key, raw = line[:match.end() - 2], line[match.end():]
        if key in result or _tag(key) != _STR:
            return None
        value = _flow_list(raw[1:-1], number) if raw[:1] == "[" and raw[-1:] == "]" else _scalar(raw, False)
        if value is _NOT_SIMPLE:
            return None
        result[key] = value
        result.key_lines[key] = number
    return result


def _flow_list(inner: str, number: int) -> Any:
    result = LineList()
    result.line = number
    if not inner.strip(" "):
        return result
    for part in inner.split(","):
        value = _scalar(part.strip(" "), True)
        if value is _NOT_SIMPLE:
            return value
        result.append(value)
        result.item_lines.append(number)
    return result


def _scalar(raw: str, in_flow: bool) -> Any:
    """A plain scalar's value, as the parser would construct it, or _NOT_SIMPLE."""
    if (not raw or raw[0] in _INDICATORS or raw[-1] in " :" or ": " in raw or " #" in raw
            or not raw.isprintable() or (in_flow and any(c in raw for c in ":?[]{}"))):
        return _NOT_SIMPLE
    tag = _tag(raw)
    if tag == _STR:
        return raw
    if tag == _INT_TAG and _DECIMAL.fullmatch(raw):
        return int(raw)
    if tag == _TIMESTAMP_TAG and _DATE.fullmatch(raw):
        try:
            return dt.date(int(raw[:4]), int(raw[5:7]), int(raw[8:]))
        except ValueError:  # 2026-13-01 stays a string, as _construct_timestamp leaves it
            return raw
    return _NOT_SIMPLE


class _Resolver(yaml.resolver.BaseResolver):
    yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers  # the loader's own (14:30 is a string)


_RESOLVER = _Resolver()


def _tag(value: str) -> str:
    """The tag the loader gives a plain scalar, by PyYAML's own resolution."""
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))


def load(path: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Read and parse one YAML file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, [Problem(shown, None, f"文件过大（{path.stat().st_size / 1024 / 1024:.1f} MB）",
                                  f"不超过 {MAX_BYTES // 1024 // 1024} MB 的 YAML 文件")]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(shown, None, "不是 UTF-8 编码的文本", "UTF-8 编码的文件")]
    except OSError as error:
        return None, [Problem(shown, None, f"无法读取，{guard.oserror_reason(error)}", "可以读取的文件")]
    return parse(text, shown)


def _line_count(text: str) -> int:
    return max(1, len(text.rstrip("\n").split("\n")))


def _syntax_problem(error: yaml.MarkedYAMLError, shown: str, line_offset: int, lines: int) -> Problem:
    """The parser's mark, kept within the text (an unclosed bracket is noticed at the end of the file)."""
    mark = error.problem_mark or error.context_mark
    line = min(mark.line + 1, lines) + line_offset if mark else None
    what = ", ".join(part for part in (error.context, error.problem) if part)
    return Problem(shown, line, "YAML 语法错误" + _explained(what), SYNTAX_EXPECTED)


SYNTAX_EXPECTED = "格式正确的 YAML（检查缩进、冒号和引号）"
# The parser's (libyaml's or PyYAML's) words -> what a user is told; the first match wins.
_EXPLANATIONS = (
    ("mapping values are not allowed", "这里不能出现 “: ”：值里有冒号时请给整个值加引号，或检查缩进"),
    ("expected ',' or ']'", "方括号 [ ] 没有闭合，或列表项之间缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 没有闭合，或字段之间缺少逗号"),
    ("expected '-' indicator", "列表中有一行不以 “- ” 开头（检查缩进）"),
    ("expected <block end>", "这一行的缩进与上文不一致"),
    ("did not find expected key", "这一行的缩进或写法与上文不一致（应写成 “key: value”）"),
    ("tab character", "不能用 Tab 缩进，请用空格"),
    ("cannot start any token", "有不能出现在这里的字符（Tab 缩进请改成空格；以 @ % ` 开头的值请加引号）"),
    ("quoted scalar, found unexpected end", "引号没有闭合"),
    ("could not find expected ':'", "缺少冒号（应写成 “key: value”）"),
    ("unknown escape character", "双引号里有无效的转义（反斜杠 \\ 请写成 \\\\，或改用单引号）"),
    ("undefined alias", "引用了没有定义的锚点（*名称）"),
    ("duplicate anchor", "锚点（&名称）重复定义"),
    ("could not determine a constructor", "不支持的标签（以 ! 开头的写法）"),
    ("single document", "一个文件只能有一个 YAML 文档（去掉中间的 “---” 行）"),
    ("expected node content", "缺少值，或有多余的符号"),
    ("unexpected end of stream", "文件意外结束（有括号或引号没有闭合）"),
)


def _explained(what: str) -> str:
    """`：<the parser's complaint in Chinese>`; an unknown one in the parser's words: `（解析器提示：…）`."""
    if any("\u4e00" <= char <= "\u9fff" for char in what):
        return "：" + what  # already ours
    for words, explanation in _EXPLANATIONS:
        if words in what:
            return "：" + explanation
    return f"（解析器提示：{what}）"


def _duplicate_key_problems(data: Any, shown: str) -> list[Problem]:
    problems: list[Problem] = []
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, LineDict):
            problems += [Problem(shown, line, f"同一组字段里 “{key}” 出现了两次", "每个字段只写一次")
                         for key, line in value.duplicate_keys]
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return problems
