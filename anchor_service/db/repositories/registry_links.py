"""Registry links (``anchor-service registry migrate``) and the anchors each registry is
compared with by the chain watch. Adds and flushes; the caller commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anchor_service.db.models_anchoring import Anchor, AnchorStatus, RegistryLink

__all__ = ["RegistryLinkRepository"]


class RegistryLinkRepository:
    """Reads and inserts ``registry_links``; reads the anchors sent to one registry."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def latest_to(self, chain_id: int, address: str) -> RegistryLink | None:
        """The newest link to ``address`` on ``chain_id`` (addresses compared without
        case), ``None`` if the registry was never moved to."""
        return self._session.scalars(
            select(RegistryLink)
            .where(
                RegistryLink.chain_id == chain_id,
                func.lower(RegistryLink.to_address) == address.lower(),
            )
            .order_by(RegistryLink.id.desc())
            .limit(1)
        ).first()

    def all(self) -> list[RegistryLink]:
        """Every link, oldest first."""
        return list(self._session.scalars(select(RegistryLink).order_by(RegistryLink.id)))

    def add(self, link: RegistryLink) -> RegistryLink:
        self._session.add(link)
        self._session.flush()
        return link

    def since(self, chain_id: int, address: str) -> int:
        """The id after which anchors count for ``address`` (0: all of them)."""
        link = self.latest_to(chain_id, address)
        return 0 if link is None else link.after_anchor_id

    def anchors(self, chain_id: int, address: str, *, after_id: int) -> list[Anchor]:
        """The anchors sent to ``address`` on ``chain_id`` after anchor ``after_id``,
        oldest first, failed ones left out."""
        return list(
            self._session.scalars(
                select(Anchor)
                .where(
                    Anchor.chain_id == chain_id,
                    func.lower(Anchor.registry_address) == address.lower(),
                    Anchor.id > after_id,
                    Anchor.status != AnchorStatus.FAILED,
                )
                .order_by(Anchor.id)
            )
        )

    def newest_anchor_id(self) -> int:
        """The highest anchor id (0 without anchors)."""
        return int(self._session.scalar(select(func.max(Anchor.id))) or 0)
