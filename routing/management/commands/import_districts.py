"""python manage.py import_districts FILE.geojson [--name-property P]

Loads or updates districts from a GeoJSON FeatureCollection, all or nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from routing.districts_import import DistrictImportError, import_districts_from_geojson


class Command(BaseCommand):
    help = "Load or update districts from a GeoJSON FeatureCollection (all or nothing; safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .geojson file (a FeatureCollection of Polygon/MultiPolygon features).")
        parser.add_argument(
            "--name-property", default="name", help="The feature property that holds the district's name (default: name)."
        )

    def handle(self, *args, file, name_property, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}) from None
        try:
            created, updated = import_districts_from_geojson(data, name_property=name_property)
        except DistrictImportError as exc:
            raise CommandError(f"{path}: {exc} " + _("Nothing was imported.")) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Districts: %(created)s created, %(updated)s updated from %(path)s.")
                % {"created": created, "updated": updated, "path": path}
            )
        )
