"""GET /me/card (+ QR images), GET /me/card-checks, GET /cards/revoked and the JWKS."""
from __future__ import annotations

import io

import segno
from flask import Response, current_app, jsonify, request

import db
from api import API_PREFIX
from api.pagination import PageArgs, page_schema, paginate
from api.smorest import Blueprint
from auth.roles import CITIZEN, CLINIC, current_actor
from errors import NotFound
from services import card_checks, card_signing, cards

from .schemas import CardCheckItemSchema, JwksSchema, MyCardSchema, RevokedArgs, RevokedFeedSchema

blp = Blueprint("cards", __name__, url_prefix="/",
                description="The digital card, its signed QR, who checked it, and the revocation feed")
root_blp = Blueprint("card_keys", __name__, url_prefix="/", description="Card-signing public keys")


@blp.after_request
def _no_store(resp: Response) -> Response:
    if request.path.startswith(API_PREFIX + "/me/"):
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _keys_dir() -> str:
    return current_app.config["CARD_KEYS_DIR"]


@blp.route("/me/card")
@blp.roles_required(CITIZEN)
@blp.response(200, MyCardSchema)
def my_card():
    """My current card with a fresh signed QR (null when the card is not active today).

    404 `not_linked` when the account has no insurance record, 404 `no_card` when the record has no card."""
    return cards.my_card(db.hot_path_runner(), current_actor().account_id, _keys_dir())


def _qr_payload() -> str:
    view = cards.my_card(db.hot_path_runner(), current_actor().account_id, _keys_dir())
    if view["qr"] is None:
        raise NotFound(f"The card is {view['status']}: there is no QR to show.", code="no_qr")
    return view["qr"]


def _qr_image(kind: str, mimetype: str) -> Response:
    # M with segno's boost: Q (25 %) whenever it fits in the same symbol version.
    qr = segno.make(_qr_payload(), error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind=kind, scale=6, border=4, light="white")  # opaque: decodable on a dark screen too
    return Response(out.getvalue(), mimetype=mimetype)


@blp.route("/me/card/qr.svg")
@blp.roles_required(CITIZEN)
@blp.doc(responses={"200": {"description": "the QR as SVG", "content": {"image/svg+xml": {}}}})
def my_card_qr_svg():
    """My card's signed QR as an SVG image (404 `no_qr` when the card is not active)."""
    return _qr_image("svg", "image/svg+xml")


@blp.route("/me/card/qr.png")
@blp.roles_required(CITIZEN)
@blp.doc(responses={"200": {"description": "the QR as PNG", "content": {"image/png": {}}}})
def my_card_qr_png():
    """My card's signed QR as a PNG image (404 `no_qr` when the card is not active)."""
    return _qr_image("png", "image/png")


@blp.route("/me/card-checks")
@blp.roles_required(CITIZEN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CardCheckItemSchema, "CardCheckPage"))
def my_card_checks(args):
    """Every clinic check of my cards: when, which facility, which result (newest first)."""
    session = db.session()
    person = cards.person_of_account(session, current_actor().account_id)
    return paginate(session, card_checks.history_stmt(person.id), args, lambda r: {
        "check_id": r[0], "checked_at": r[1].isoformat(), "facility_code": r[2],
        "facility_name": r[3], "result_code": r[4],
    })


@blp.route("/cards/revoked")
@blp.roles_required(CLINIC)
@blp.arguments(RevokedArgs, location="query")
@blp.response(200, RevokedFeedSchema)
def revoked(args):
    """Card ids (`cid`) revoked or reported decreased since a time, for offline verifiers.

    Poll with `since` = the previous answer's `generated_at`; while `has_more`, follow `next`."""
    return cards.revocations(db.session(), args["since"], args.get("after"), args["limit"])


def _jwks_response() -> Response:
    resp = jsonify(card_signing.jwks(_keys_dir()))
    resp.headers["Cache-Control"] = "public, max-age=300"
    resp.headers["Access-Control-Allow-Origin"] = "*"  # public keys: a browser verifier on any origin may fetch them
    return resp


@blp.route("/.well-known/jwks.json")
@blp.public
@blp.alt_response(200, schema=JwksSchema, description="the published card-signing keys")
def jwks_prefixed():
    """The card-signing public keys (same as /.well-known/jwks.json)."""
    return _jwks_response()


@root_blp.route("/.well-known/jwks.json")
@root_blp.public
@root_blp.alt_response(200, schema=JwksSchema, description="the published card-signing keys")
def jwks():
    """The card-signing public keys: every key whose signatures can still be valid."""
    return _jwks_response()


def register_root(api) -> None:
    api.register_blueprint(root_blp)
