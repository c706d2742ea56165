"""`field__any=[...]`: membership in a list sent as ONE array parameter on PostgreSQL.

`field__in=[5,000 ids]` sends 5,000 parameters, and building that statement costs psycopg
more than PostgreSQL spends running it; `field = ANY(%s)` sends one array. Other databases
get the plain IN list.
"""

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        return "%s", [[field.get_db_prep_value(v, connection) for v in value]]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations keep their own lookup registry
