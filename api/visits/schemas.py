"""Shapes of the visit endpoints (documentation; the submission body is checked by
services/visit_validation.py so that every error is named, not only the first)."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.cards.schemas import FacilityRefSchema

XML1 = {"description": "XML1 (QĐ 4750 Bảng 1) fields by their names: MA_LK, MA_BN, HO_TEN, SO_CCCD, NGAY_SINH, "
                       "GIOI_TINH, MA_THE_BHYT, MA_DKBD, GT_THE_TU, GT_THE_DEN, MA_BENH_CHINH, MA_BENH_KT, "
                       "MA_LOAI_KCB, NGAY_VAO, NGAY_RA, KET_QUA_DTRI, MA_LOAI_RV, T_TONGCHI_BV, T_TONGCHI_BH, "
                       "T_BNTT, T_BNCCT, T_BHTT, MA_CSKCB (+ CHAN_DOAN_RV, MA_DOITUONG_KCB, STT)"}


class VisitFileSchema(Schema):
    visits = fields.List(fields.Dict(metadata=XML1), required=True)


class RecordedItemSchema(Schema):
    ma_lk = fields.String()
    visit_id = fields.String()
    replaced = fields.Boolean(metadata={"description": "an earlier visit with this MA_LK was replaced"})


class RecordedSchema(Schema):
    submission_id = fields.String()
    received_at = fields.String(metadata={"format": "date-time"})
    recorded = fields.Integer()
    visits = fields.List(fields.Nested(RecordedItemSchema))


class DiagnosisSchema(Schema):
    code = fields.String(metadata={"description": "ICD-10, dotted"})
    name = fields.String(allow_none=True, metadata={"description": "the WHO ICD-10 title (English)"})
    text = fields.String(allow_none=True, metadata={"description": "the clinic's CHAN_DOAN_RV"})


class TotalsSchema(Schema):
    total = fields.Float(metadata={"description": "T_TONGCHI_BV, VND"})
    insurance_paid = fields.Float(metadata={"description": "T_BHTT"})
    patient_paid = fields.Float(metadata={"description": "T_BNCCT + T_BNTT"})
    copay = fields.Float(metadata={"description": "T_BNCCT"})
    self_paid = fields.Float(metadata={"description": "T_BNTT"})


class VisitSchema(Schema):
    visit_id = fields.String()
    ma_lk = fields.String()
    facility = fields.Nested(FacilityRefSchema)
    admitted_at = fields.String(metadata={"format": "date-time"})
    discharged_at = fields.String(metadata={"format": "date-time"})
    visit_type = fields.String(metadata={"description": "MA_LOAI_KCB"})
    inpatient = fields.Boolean()
    diagnosis = fields.Nested(DiagnosisSchema)
    other_diagnoses = fields.List(fields.String())
    totals = fields.Nested(TotalsSchema)
