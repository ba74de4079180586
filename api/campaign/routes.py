"""The campaign's standing for officers (CONTRACT §12): `GET /officer/campaign`, JSON or CSV."""
from __future__ import annotations

from flask import Response

import db
from api.smorest import Blueprint
from auth.roles import OFFICER
from services import campaign_report

from .schemas import CampaignArgs, CampaignSchema

blp = Blueprint("campaign", __name__, url_prefix="/officer", description="Campaign progress (CCCD and app coverage)")


@blp.route("/campaign", methods=["GET"])
@blp.roles_required(OFFICER)
@blp.arguments(CampaignArgs, location="query")
@blp.response(200, CampaignSchema)
@blp.doc(responses={"200": {
    "description": "JSON, or text/csv with `?format=csv` (columns in docs/campaign.md)",
    "content": {"application/json": {"schema": CampaignSchema}, "text/csv": {"schema": {"type": "string"}}}}})
def campaign(args: dict):
    """Participants, with a verified CCCD and with a linked app account, by province."""
    doc = campaign_report.report(db.session(), args.get("province"))
    if args["format"] == "csv":
        return Response(campaign_report.to_csv(doc), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="campaign.csv"'})
    return doc
