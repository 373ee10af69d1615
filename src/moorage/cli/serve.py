"""`moorage serve`: its options and the ServerConfig they make. Extend both here."""

import argparse
import os
from pathlib import Path
from typing import Any

from moorage.server.config import ServerConfig, parse_listen


def add_serve_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    defaults = ServerConfig()
    serve = commands.add_parser(
        "serve",
        help="run the registry and its API server",  # as main.SERVE_SUMMARY
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
        "--api-tls",
        action="store_true",
        help="serve the API over HTTPS, with a certificate from a private CA made at first "
        "start in <data-dir>/tls (clients trust <data-dir>/tls/ca.crt)",
    )
    serve.add_argument(
        "--api-tls-cert",
        type=Path,
        default=None,
        metavar="FILE",
        help="the API's serving certificate (PEM, chain after it) instead; implies --api-tls",
    )
    serve.add_argument(
        "--api-tls-key",
        type=Path,
        default=None,
        metavar="FILE",
        help="the private key of --api-tls-cert (PEM)",
    )
    serve.add_argument(
        "--apps-domain",
        default=defaults.apps_domain,
        metavar="DOMAIN",
        help="the domain routes are named under, as a cluster's *.apps domain (default "
        "%(default)s: *.localhost names are loopback by RFC 6761)",
    )
    serve.add_argument(
        "--ingress-listen",
        default=f"{defaults.ingress_host}:{defaults.ingress_port}",
        metavar="HOST:PORT|off",
        help="where the ingress serves routes over TLS, chosen by SNI (default %(default)s)",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=defaults.data_dir,
        help="where metadata and blobs live (default %(default)s)",
    )
    serve.add_argument(
        "--database-url",
        default=os.environ.get("MOORAGE_DATABASE_URL") or None,
        metavar="URL",
        help="metadata database, e.g. postgresql+psycopg://USER:PASSWORD@HOST/DB "
        "(default: $MOORAGE_DATABASE_URL, else SQLite in the data directory)",
    )
    serve.add_argument(
        "--htpasswd-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="htpasswd identity provider: user:bcrypt-hash lines (htpasswd -B), "
        "read again when it changes; users are made on first login",
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
        "--management-state",
        choices=["Managed", "Removed"],
        default=defaults.management_state,
        help="the Config's managementState at first start; Removed runs the API alone, as a "
        "cluster without shared storage starts, until the Config is patched to Managed",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=float,
        default=defaults.shutdown_timeout,
        help="seconds to finish requests in flight on SIGTERM",
    )
    serve.add_argument(
        "--gc-interval",
        type=float,
        default=defaults.gc_interval,
        metavar="SECONDS",
        help="seconds between online garbage collections of unreferenced blobs, while "
        "pushes and pulls go on (default %(default)s; 0: never)",
    )
    serve.add_argument(
        "--gc-grace",
        type=float,
        default=defaults.gc_grace,
        metavar="SECONDS",
        help="how long a blob nothing references is kept after its last use, so a layer "
        "pushed before its manifest stays (default %(default)s)",
    )
    serve.add_argument(
        "--gc-duty-cycle",
        type=float,
        default=defaults.gc_duty_cycle,
        metavar="FRACTION",
        help="the most of its time a garbage collection spends working: it rests the "
        "remainder between steps of 50 rows, at the lowest CPU priority, so pushes and pulls "
        "keep the machine, database and storage (default %(default)s; 1: no rests)",
    )
    serve.add_argument(
        "--tag-restore-window",
        type=float,
        default=defaults.tag_restore_window,
        metavar="SECONDS",
        help="how long a deleted tag can be restored (moorage tag --restore), the image it "
        "served kept from pruning meanwhile (default %(default)s: 14 days)",
    )
    serve.add_argument(
        "--scheduled-import-interval",
        type=float,
        default=defaults.scheduled_import_interval,
        metavar="SECONDS",
        help="how often scheduled image stream tags are imported again (default %(default)s)",
    )
    serve.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from moorage.server.serve import serve

    host, port = parse_listen(args.listen)
    api_host, api_port = parse_listen(args.api_listen, "--api-listen")
    ingress_host, ingress_port = (
        ("", None)
        if args.ingress_listen == "off"
        else parse_listen(args.ingress_listen, "--ingress-listen")
    )
    config = ServerConfig(
        host=host,
        port=port,
        api_host=api_host,
        api_port=api_port,
        data_dir=args.data_dir,
        storage=args.storage,
        workers=args.workers,
        log_level=args.log_level,
        management_state=args.management_state,
        shutdown_timeout=args.shutdown_timeout,
        database_url=args.database_url,
        htpasswd_file=args.htpasswd_file,
        api_tls=args.api_tls or args.api_tls_cert is not None or args.api_tls_key is not None,
        api_tls_cert=args.api_tls_cert,
        api_tls_key=args.api_tls_key,
        apps_domain=args.apps_domain.lower(),
        ingress_host=ingress_host,
        ingress_port=ingress_port,
        gc_interval=args.gc_interval,
        gc_grace=args.gc_grace,
        gc_duty_cycle=args.gc_duty_cycle,
        tag_restore_window=args.tag_restore_window,
        scheduled_import_interval=args.scheduled_import_interval,
    )
    return serve(config)
