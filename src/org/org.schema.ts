import { Type, type Static } from 'typebox';

const AgencyCode = Type.String({
  pattern: '^[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}$',
  description: 'Agency identifier code DDD.CC.BB.Axx (Decision 20/2020/QĐ-TTg)',
});
const Area = Type.Union([Type.Literal('urban'), Type.Literal('rural'), Type.Literal('remote')]);
const Lat = Type.Number({ minimum: 8, maximum: 24 });
const Lon = Type.Number({ minimum: 102, maximum: 110 });
const Key = Type.String({ pattern: '^[A-Z0-9-]{1,40}$' });
const Name = Type.String({ minLength: 1, maxLength: 300 });

const ServicePointInput = Type.Object({
  key: Key,
  agencyCode: AgencyCode,
  nameVi: Name,
  nameEn: Name,
  address: Type.String({ minLength: 1, maxLength: 500 }),
  lat: Lat,
  lon: Lon,
  areaType: Area,
});

/** The organization of a province as imported (demo data or a province's own file). */
export const OrgDocumentSchema = Type.Object({
  province: Type.Object({ code: Type.String({ pattern: '^[0-9]{2}$' }), nameVi: Name, nameEn: Name, agencyCode: AgencyCode }),
  provincialCenter: ServicePointInput,
  branches: Type.Array(ServicePointInput),
  departments: Type.Array(Type.Object({ key: Key, agencyCode: AgencyCode, nameVi: Name, nameEn: Name })),
  communes: Type.Array(
    Type.Object({
      code: Type.String({ pattern: '^[0-9]{5}$' }),
      key: Key,
      nameVi: Name,
      nameEn: Name,
      kind: Type.Union([Type.Literal('ward'), Type.Literal('commune'), Type.Literal('special_zone')]),
      areaType: Area,
      lat: Lat,
      lon: Lon,
      centerAgencyCode: AgencyCode,
      committeeAgencyCode: AgencyCode,
      address: Type.String({ minLength: 1, maxLength: 500 }),
      branchKey: Type.Optional(Type.String()),
    }),
  ),
});
export type OrgDocument = Static<typeof OrgDocumentSchema>;

export const UnitSchema = Type.Object({
  id: Type.Integer(),
  key: Type.String(),
  kind: Type.String({ description: 'province | center | branch | commune_center | department | commune_committee' }),
  agencyCode: Type.String({ description: 'Agency identifier code' }),
  nameVi: Type.String(),
  nameEn: Type.String(),
  parentId: Type.Union([Type.Integer(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  areaType: Type.Union([Type.String(), Type.Null()]),
  lat: Type.Union([Type.Number(), Type.Null()]),
  lon: Type.Union([Type.Number(), Type.Null()]),
  receivingUnitId: Type.Union([Type.Integer(), Type.Null()], {
    description: 'For an agency: the service point that receives its territorial dossiers',
  }),
  communeCode: Type.Union([Type.String(), Type.Null()]),
});

export const CommuneSchema = Type.Object({
  code: Type.String(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  kind: Type.String(),
  areaType: Type.String(),
  committeeUnitId: Type.Integer(),
  centerUnitId: Type.Integer(),
});
