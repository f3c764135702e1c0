"""HTTP API: app factory, routers, schemas, error mapping."""

from anchor_service.api.app import create_app

__all__ = ["create_app"]
