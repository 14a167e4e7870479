"""The district's organisation: neighbourhoods (dong), divisions and proposal categories."""
from flask_babel import get_locale

from app.extensions import db


class Localised:
    """Picks the ko or en column for the current locale (en falls back to ko)."""

    @property
    def name(self):
        locale = str(get_locale() or "ko")
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_ko


class Dong(Localised, db.Model):
    __tablename__ = "dongs"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(10), nullable=False, unique=True)  # MOIS 행정기관코드
    name_ko = db.Column(db.String(40), nullable=False)
    name_en = db.Column(db.String(60), nullable=False)
    hanja = db.Column(db.String(20))
    legal_dong_ko = db.Column(db.String(40))
    legal_dong_en = db.Column(db.String(60))
    former_names_ko = db.Column(db.String(100))
    latitude = db.Column(db.Float)
    longitude = db.Column(db.Float)


class Division(Localised, db.Model):
    __tablename__ = "divisions"

    id = db.Column(db.Integer, primary_key=True)
    name_ko = db.Column(db.String(80), nullable=False, unique=True)
    name_en = db.Column(db.String(120), nullable=False)
    parent_ko = db.Column(db.String(80))  # the bureau (국), where known
    parent_en = db.Column(db.String(120))
    alert_email = db.Column(db.String(254))
    alert_phones = db.Column(db.String(200))  # comma-separated 010-1234-5678 numbers
    locale = db.Column(db.String(5), nullable=False, default="ko")
    source = db.Column(db.String(200))  # where the unit's name comes from
    is_active = db.Column(db.Boolean, nullable=False, default=True)

    memberships = db.relationship("StaffMembership", back_populates="division")

    @property
    def alert_phone_list(self):
        return [p.strip() for p in (self.alert_phones or "").split(",") if p.strip()]


class Category(Localised, db.Model):
    __tablename__ = "categories"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(40), nullable=False, unique=True)
    name_ko = db.Column(db.String(40), nullable=False, unique=True)
    name_en = db.Column(db.String(80), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    default_division_id = db.Column(db.ForeignKey("divisions.id"), nullable=False)

    default_division = db.relationship("Division")
