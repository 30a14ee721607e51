"""The top-level guard: every command runs inside protect() (site_builder.cli.main), so a user never
sees a traceback.

- SiteBuilderError: its message (what the user did wrong and what was expected), exit 1.
- OSError and SQLite's database errors (a folder that cannot be written, a full disk, a busy or damaged ledger):
  one calm Chinese line naming the command, the path and what failed (权限不足, 磁盘已满 …), exit 1.
- Anything else (a bug): one Chinese line naming the command, what was being done (the file, when
  known: see doing()) and where the full traceback was written, exit 1.
- Ctrl+C: "已中断。", exit 130. A closed pipe (`… | head`): quietly, exit 1.

The traceback of every unexpected error (and of OSError) is appended to <data>/logs/site-builder.log:
<data> is the private data folder of the command (--data when given, else data/ beside the content
folder, as everywhere else); when that cannot be written, to site-builder-<uid>/ in the temporary folder,
and the line says where. Logs are written in English for the maintainer (docs/design.md, "Languages").

SITE_BUILDER_TEST_CRASH=<text> (tests only) raises RuntimeError(<text>) once the command line is parsed,
so a test can see what an unexpected error looks like from outside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sqlite3
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from site_builder.errors import SiteBuilderError
from site_builder.ledger import data_dir_for
from site_builder.safetext import printable, short

LOG_FOLDER = "logs"
LOG_NAME = "site-builder.log"
LOG_ROTATE_BYTES = 5 * 1024 * 1024  # a longer log is renamed site-builder.log.1 (one generation kept)
CRASH_ENV = "SITE_BUILDER_TEST_CRASH"
DOING_ATTRIBUTE = "site_builder_doing"

# errno -> what it means, for the secretary
REASONS = {
    errno.EACCES: "权限不足", errno.EPERM: "权限不足（操作不被允许）", errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额", errno.EROFS: "只读的磁盘或文件夹", errno.ENOENT: "文件或文件夹不存在",
    errno.ENOTDIR: "路径中有一部分不是文件夹", errno.EISDIR: "这是文件夹，不是文件", errno.EEXIST: "已经存在",
    errno.ENAMETOOLONG: "文件名太长", errno.EIO: "读写出错（磁盘或 U 盘可能有问题）",
    errno.EMFILE: "同时打开的文件太多", errno.ENFILE: "同时打开的文件太多", errno.ENOTEMPTY: "文件夹不是空的",
    errno.EBUSY: "正被占用", errno.ELOOP: "符号链接循环", errno.EXDEV: "不能跨磁盘移动",
    errno.EINVAL: "参数无效（这个位置不能这样写入）", errno.EADDRINUSE: "端口已被占用",
    errno.ENOMEM: "内存不足", errno.EFBIG: "文件太大", errno.ETXTBSY: "文件正被使用",
}
VERBS = {  # innermost function of the traceback -> what was being done to the path
    "mkdir": "创建文件夹", "makedirs": "创建文件夹", "read_bytes": "读取", "read_text": "读取", "scandir": "读取文件夹",
    "iterdir": "读取文件夹", "listdir": "读取文件夹", "stat": "查看", "write_bytes": "写入", "write_text": "写入",
    "copyfile": "复制", "copy2": "复制", "copytree": "复制", "copyfileobj": "复制", "rename": "改名",
    "replace": "替换", "unlink": "删除", "rmtree": "删除", "rmdir": "删除", "touch": "创建", "bind": "监听",
    "open": "打开", "fsync": "写入", "chmod": "修改权限",
}
SQLITE_REASONS = {
    "database is locked": "台账正被另一个程序使用，请稍后再试", "database or disk is full": "磁盘已满",
    "disk i/o error": "读写出错（磁盘可能有问题）", "unable to open database file": "无法打开台账文件",
    "attempt to write a readonly database": "台账文件是只读的（权限不足）",
    "file is not a database": "不是 SQLite 数据库文件", "database disk image is malformed": "数据库文件已损坏",
}


def sqlite_reason(error: sqlite3.Error) -> str:
    """不是 SQLite 数据库文件（file is not a database）: SQLite's words after a Chinese reason where we have one."""
    text = short(str(error), 80)
    reason = SQLITE_REASONS.get(str(error).lower())
    return f"{reason}（{text}）" if reason else f"数据库提示：{text}"


@dataclass
class Run:
    """One command line being run: what the guard knows when something goes wrong."""

    argv: list[str]
    args: object | None = None  # the parsed arguments, once parsing succeeded
    notes: list[str] = field(default_factory=list)

    @property
    def command(self) -> str:
        name = getattr(self.args, "command", None) or next((a for a in self.argv if not a.startswith("-")), "")
        return f"site-builder {printable(name)}".rstrip()


def protect(argv: list[str], body: Callable[[Run], int]) -> int:
    """body(run) -> exit status, with every failure turned into a calm answer (module docstring)."""
    run = Run(list(argv))
    try:
        return body(run)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        say("已中断。")
        return 130
    except SiteBuilderError as error:
        say("\n".join(printable(line) for line in str(error).splitlines()))
        return 1
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except (OSError, sqlite3.DatabaseError) as error:  # the system or the ledger, not a bug
        data = data_folder(run)
        say(calm_line(run, error, log_exception(data, run, error), data))
        return 1
    except Exception as error:  # the point of the guard
        data = data_folder(run)
        say(unexpected_line(run, error, log_exception(data, run, error), data))
        return 1


def crash_hook() -> None:
    """Raise the test-only unexpected error when SITE_BUILDER_TEST_CRASH is set."""
    text = os.environ.get(CRASH_ENV)
    if text:
        with doing(f"运行测试钩子 {CRASH_ENV}"):
            raise RuntimeError(text)


@contextlib.contextmanager
def doing(what: str) -> Iterator[None]:
    """Name what is being done (e.g. 导入 inbox/x.json): an error escaping the block carries it, and the
    guard's line says it. The innermost doing() wins."""
    try:
        yield
    except BaseException as error:
        if not hasattr(error, DOING_ATTRIBUTE):
            with contextlib.suppress(AttributeError, TypeError):
                setattr(error, DOING_ATTRIBUTE, what)
        raise


# --- the lines the user reads --------------------------------------------------------------------

def calm_line(run: Run, error: BaseException, log: Path | None, data: Path | None = None) -> str:
    """`site-builder build 失败：无法创建文件夹 /proc/x：文件或文件夹不存在（ENOENT）。…`"""
    return f"{run.command} 失败{_doing_of(error)}：{what_failed(error)}。{_log_note(log, data)}"


def unexpected_line(run: Run, error: BaseException, log: Path | None, data: Path | None = None) -> str:
    message = short(str(error).splitlines()[0] if str(error) else "", 120)
    detail = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return (f"{run.command} 出现意外错误{_doing_of(error)}：{detail}。这是程序的问题，已停止；"
            f"{_log_note(log, data, ask=True)}")


def what_failed(error: BaseException) -> str:
    """`无法写入 data/archive/x.json：磁盘已满（ENOSPC）` — path, what was done, why."""
    if isinstance(error, sqlite3.Error):
        return f"台账数据库出错：{sqlite_reason(error)}"
    assert isinstance(error, OSError)
    reason = oserror_reason(error)
    paths = [p for p in (error.filename, error.filename2) if p not in (None, "")]
    if not paths:
        return reason
    verb = _verb(error)
    where = " → ".join(printable(_shown(p)) for p in paths)
    if error.errno == errno.EEXIST and _is_file(paths[0]):
        reason = "已有同名的文件，不是文件夹（EEXIST）"
    return f"无法{verb} {where}：{reason}"


def _is_file(path: object) -> bool:
    try:
        return isinstance(path, (str, bytes, os.PathLike)) and os.path.isfile(path)
    except (OSError, ValueError):
        return False


def oserror_reason(error: OSError) -> str:
    """权限不足（EACCES）, 磁盘已满（ENOSPC）…; the system's words when the errno is not one of ours."""
    code = error.errno
    name = errno.errorcode.get(code, "") if code is not None else ""
    text = REASONS.get(code) if code is not None else None
    text = text or printable(error.strerror or type(error).__name__)
    return f"{text}（{name}）" if name else text


WRITING = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


def _verb(error: BaseException) -> str:
    """The innermost function of the traceback that says what was done (open only when nothing else does);
    写入 for what only writing meets (a full disk)."""
    if getattr(error, "errno", None) in WRITING:
        return "写入"
    names = [frame.f_code.co_name for frame, _line in traceback.walk_tb(error.__traceback__)]
    known = [name for name in names if name in VERBS]
    chosen = next((name for name in reversed(known) if name != "open"), known[-1] if known else None)
    return VERBS[chosen] if chosen else "使用"


def _shown(path: object) -> str:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if isinstance(path, int):  # a file descriptor
        return f"(文件描述符 {path})"
    return _relative(Path(str(path)))


def _relative(path: Path) -> str:
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _doing_of(error: BaseException) -> str:
    what = getattr(error, DOING_ATTRIBUTE, None)
    return f"（正在{printable(what)}）" if what else ""


def _log_note(log: Path | None, data: Path | None, ask: bool = False) -> str:
    """Where the traceback went; says so when the data folder could not take it."""
    wanted = Path(data) / LOG_FOLDER if data is not None else None
    if log is None:
        return f"日志也无法写入（{printable(_relative(wanted))} 与临时文件夹都不可写），详情未能保存。" if wanted \
            else "日志也无法写入，详情未能保存。"
    where = printable(_relative(log))
    moved = f"日志文件夹 {printable(_relative(wanted))} 无法写入，" if wanted and log.parent != wanted else ""
    return f"{moved}完整记录已写入 {where}" + ("，请把此文件发给维护人员。" if ask else "。")


def say(text: str) -> None:
    """Print to stderr even when stderr cannot encode the text (escaped then)."""
    with contextlib.suppress(BrokenPipeError, OSError, ValueError):
        sys.stdout.flush()
    stream = sys.stderr
    try:
        print(text, file=stream, flush=True)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=stream, flush=True)
    except (OSError, ValueError):  # stderr closed: nothing more can be said
        pass


def _silence_stdout() -> None:
    """After a closed pipe, Python would complain again at exit while flushing stdout."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# --- the log -------------------------------------------------------------------------------------

def data_folder(run: Run) -> Path | None:
    """The command's private data folder, as every command decides it (ledger.data_dir_for): --data when
    given, else data/ beside the content folder (the command line is read again when parsing failed)."""
    data = getattr(run.args, "data", None) or option(run.argv, "--data")
    content = getattr(run.args, "content", None) or option(run.argv, "--content") or "content"
    try:
        return data_dir_for(content, data)
    except (OSError, RuntimeError, ValueError):
        return None


def option(argv: list[str], name: str) -> str | None:
    """The value of `name VALUE` or `name=VALUE` on the command line (the last one), else None."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == name and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith(name + "="):
            found = arg.split("=", 1)[1]
    return found


def log_exception(data_dir: Path | None, run: Run | None, error: BaseException, what: str | None = None) -> Path | None:
    """Append error's traceback to <data_dir>/logs/site-builder.log (else to the temporary folder);
    returns the log file written, or None when no log could be written."""
    entry = _entry(run, error, what)
    folders = [Path(data_dir) / LOG_FOLDER] if data_dir is not None else []
    folders.append(Path(tempfile.gettempdir()) / f"site-builder-{_uid()}")
    for folder in folders:
        try:
            return _append(folder, entry)
        except OSError:
            continue
    return None


def _entry(run: Run | None, error: BaseException, what: str | None) -> str:
    from site_builder import __version__

    when = dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
    lines = [f"=== {when} site-builder {__version__} pid {os.getpid()} ==="]
    if run is not None:
        lines.append("command: site-builder " + " ".join(printable(a) for a in run.argv))
    lines.append(f"cwd: {printable(os.getcwd())}")
    doing_ = what or getattr(error, DOING_ATTRIBUTE, None)
    if doing_:
        lines.append(f"doing: {printable(doing_)}")
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return "\n".join(lines) + "\n" + trace + "\n"


def _append(folder: Path, entry: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / LOG_NAME
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(LOG_NAME + ".1"))
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with open(handle, "a", encoding="utf-8", errors="backslashreplace") as out:
        out.write(entry)
    return path


def _uid() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid else "user"
