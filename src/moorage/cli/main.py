"""`moorage`: the command-line entry point. Each subcommand prints one line on failure."""

import argparse
import sys
from pathlib import Path

from moorage import __version__
from moorage.server.config import ConfigError, ServerConfig, parse_listen


def _serve_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    defaults = ServerConfig()
    serve = commands.add_parser(
        "serve",
        help="run the registry and its API server",
        description="Run the registry on its embedded defaults: SQLite metadata and "
        "filesystem blobs under one data directory.",
    )
    serve.add_argument(
        "--listen",
        default=f"{defaults.host}:{defaults.port}",
        metavar="HOST:PORT",
        help="registry address (default %(default)s)",
    )
    serve.add_argument(
        "--api-listen",
        default=f"{defaults.api_host}:{defaults.api_port}",
        metavar="HOST:PORT",
        help="API server address (default %(default)s)",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=defaults.data_dir,
        help="where metadata and blobs live (default %(default)s)",
    )
    serve.add_argument(
        "--storage",
        choices=["filesystem", "memory"],
        default=defaults.storage,
        help="blob storage; memory is emptyDir: lost on restart",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=defaults.workers,
        help="worker processes sharing the port (default: cores, %(default)s)",
    )
    serve.add_argument(
        "--log-level",
        choices=["Normal", "Debug", "Trace", "TraceAll"],
        default=defaults.log_level,
        help="as the Config's logLevel",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=float,
        default=defaults.shutdown_timeout,
        help="seconds to finish requests in flight on SIGTERM",
    )


def _run_serve(args: argparse.Namespace) -> int:
    from moorage.server.serve import serve

    host, port = parse_listen(args.listen)
    api_host, api_port = parse_listen(args.api_listen, "--api-listen")
    config = ServerConfig(
        host=host,
        port=port,
        api_host=api_host,
        api_port=api_port,
        data_dir=args.data_dir,
        storage=args.storage,
        workers=args.workers,
        log_level=args.log_level,
        shutdown_timeout=args.shutdown_timeout,
    )
    return serve(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="moorage", description="A container image registry.")
    parser.add_argument("--version", action="version", version=f"moorage {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    _serve_parser(commands)
    args = parser.parse_args(argv)
    try:
        return _run_serve(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
