-- Demo organizations, drawn from the seed documents in seeds/:
--   000_e6fd2900c915c0b9.txt  Khan-Uul district (Ulaanbaatar) internal audit
--                             office, 2020 activity report (Glass Account law)
--   003_6dabbff7dde4c26a.txt  Anti-corruption policy of КГП на ПХВ «Городская
--                             больница г. Серебрянск района Алтай» УЗ ВКО
--   004_7c0782e7e84a6e83.txt  Kez municipal district (Udmurtia), regulation of
--                             2023-05-18 No. 779 on budget receivables; its
--                             section 2 lists the revenue administrators
--
-- The district office, its internal audit office, the schools, kindergartens,
-- Culture Palace, procurement office and khoroos 16 and 21 are named in seed
-- 000; the private kindergartens, private school, family health centre and the
-- district health centre are invented stand-ins for the 95 + 20 + 15 private
-- bodies and the budget bodies the report counts. The seed gives no budget
-- administrator codes for Kez, so the codes below are our own.
--
-- Fixed ids 00000000-0000-4000-8000-0000000001xx: 101-116 Mongolia,
-- 120-121 Kazakhstan, 130-134 Russia. Parents are inserted before children.
-- Every statement is idempotent (ON CONFLICT (id) DO NOTHING).

-- ---------------------------------------------------------------------------
-- Mongolia: Khan-Uul district (seed 000)
-- ---------------------------------------------------------------------------

INSERT INTO organizations
    (id, parent_id, code, name, kind, jurisdiction, timezone, locale, currency,
     disclosure_frequency, contact_emails)
VALUES
    ('00000000-0000-4000-8000-000000000101', NULL, 'MN-KHU',
     'Хан-Уул дүүргийн Засаг даргын Тамгын газар',
     'district_administration', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["info@khan-uul.example.mn", "finance@khan-uul.example.mn"]')
ON CONFLICT (id) DO NOTHING;

INSERT INTO organizations
    (id, parent_id, code, name, kind, jurisdiction, timezone, locale, currency,
     disclosure_frequency, contact_emails)
VALUES
    -- the supervisor of Glass Account compliance and author of seed 000
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-AUD', 'Хан-Уул дүүргийн Дотоод аудитын алба',
     'authority', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["audit@khan-uul.example.mn"]'),

    -- budget organizations: monthly disclosure, by the 15th
    ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-SCH026', 'Ерөнхий боловсролын 26 дугаар сургууль',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["school26@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-SCH010', 'Ерөнхий боловсролын 10 дугаар сургууль',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["school10@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-KG072', 'Хан-Уул дүүргийн 72 дугаар цэцэрлэг',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["kg72@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-KG243', 'Хан-Уул дүүргийн 243 дугаар цэцэрлэг',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["kg243@khan-uul.example.mn"]'),
    -- audited in 2020 after citizen Jargal's complaint (seed 000, §1.1)
    ('00000000-0000-4000-8000-000000000107', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-KG073', 'Хан-Уул дүүргийн 73 дугаар цэцэрлэг',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["kg73@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000108', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-CUL', 'Хан-Уул дүүргийн Соёлын ордон',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["culture@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000109', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-PROC', 'Хан-Уул дүүргийн Худалдан авах ажиллагааны алба',
     'authority', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["procurement@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000110', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-KH16', 'Хан-Уул дүүргийн 16 дугаар хорооны Засаг даргын Тамгын газар',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["khoroo16@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000111', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-KH21', 'Хан-Уул дүүргийн 21 дүгээр хорооны Засаг даргын Тамгын газар',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["khoroo21@khan-uul.example.mn"]'),
    ('00000000-0000-4000-8000-000000000112', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-HC', 'Хан-Уул дүүргийн Эрүүл мэндийн төв',
     'budget_institution', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'monthly',
     '["health@khan-uul.example.mn"]'),

    -- private bodies under the district's Glass Account supervision:
    -- quarterly disclosure (seed 000, §2.1.1)
    ('00000000-0000-4000-8000-000000000113', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-PKG01', '«Алтан гадас» хувийн цэцэрлэг',
     'private_kindergarten', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'quarterly',
     '["info@altan-gadas.example.mn"]'),
    ('00000000-0000-4000-8000-000000000114', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-PKG02', '«Зөгийн үүр» хувийн цэцэрлэг',
     'private_kindergarten', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'quarterly',
     '["info@zogiin-uur.example.mn"]'),
    ('00000000-0000-4000-8000-000000000115', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-PSCH01', '«Ирээдүй» хувийн сургууль',
     'private_school', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'quarterly',
     '["info@ireedui-school.example.mn", "accounting@ireedui-school.example.mn"]'),
    ('00000000-0000-4000-8000-000000000116', '00000000-0000-4000-8000-000000000101',
     'MN-KHU-FHC01', '«Энэрэл» өрхийн эрүүл мэндийн төв',
     'family_health_centre', 'MN', 'Asia/Ulaanbaatar', 'mn', 'MNT', 'quarterly',
     '["info@enerel-fhc.example.mn"]')
ON CONFLICT (id) DO NOTHING;

-- ---------------------------------------------------------------------------
-- Kazakhstan: Serebryansk city hospital (seed 003). The policy is written in
-- Russian, so the hospital and its health authority use locale 'ru'.
-- East Kazakhstan region keeps Asia/Almaty.
-- ---------------------------------------------------------------------------

INSERT INTO organizations
    (id, parent_id, code, name, kind, jurisdiction, timezone, locale, currency,
     disclosure_frequency, contact_emails)
VALUES
    -- «УЗ ВКО» in the hospital's name
    ('00000000-0000-4000-8000-000000000120', NULL, 'KZ-VKO-UZ',
     'Управление здравоохранения Восточно-Казахстанской области',
     'authority', 'KZ', 'Asia/Almaty', 'ru', 'KZT', 'monthly',
     '["info@uz-vko.example.kz"]')
ON CONFLICT (id) DO NOTHING;

INSERT INTO organizations
    (id, parent_id, code, name, kind, jurisdiction, timezone, locale, currency,
     disclosure_frequency, contact_emails)
VALUES
    ('00000000-0000-4000-8000-000000000121', '00000000-0000-4000-8000-000000000120',
     'KZ-SRB-HOSP',
     'КГП на ПХВ «Городская больница г. Серебрянск района Алтай» УЗ ВКО',
     'hospital', 'KZ', 'Asia/Almaty', 'ru', 'KZT', 'monthly',
     '["priemnaya@srb-hospital.example.kz", "compliance@srb-hospital.example.kz"]')
ON CONFLICT (id) DO NOTHING;

-- ---------------------------------------------------------------------------
-- Russia: Kez municipal district, Udmurt Republic (seed 004). Udmurtia is
-- UTC+4, i.e. Europe/Samara. The children are the revenue administrators
-- listed in section 2 of the regulation (the administration itself is the
-- second of the five).
-- ---------------------------------------------------------------------------

INSERT INTO organizations
    (id, parent_id, code, name, kind, jurisdiction, timezone, locale, currency,
     disclosure_frequency, contact_emails)
VALUES
    ('00000000-0000-4000-8000-000000000130', NULL, 'RU-KEZ',
     'Администрация муниципального образования «Муниципальный округ Кезский район Удмуртской Республики»',
     'municipal_administration', 'RU', 'Europe/Samara', 'ru', 'RUB', 'monthly',
     '["admin@kez.example.ru", "pravo@kez.example.ru"]')
ON CONFLICT (id) DO NOTHING;

INSERT INTO organizations
    (id, parent_id, code, name, kind, jurisdiction, timezone, locale, currency,
     disclosure_frequency, contact_emails)
VALUES
    ('00000000-0000-4000-8000-000000000131', '00000000-0000-4000-8000-000000000130',
     'RU-KEZ-FIN',
     'Управление финансов Администрации муниципального образования «Муниципальный округ Кезский район Удмуртской Республики»',
     'authority', 'RU', 'Europe/Samara', 'ru', 'RUB', 'monthly',
     '["finance@kez.example.ru"]'),
    ('00000000-0000-4000-8000-000000000132', '00000000-0000-4000-8000-000000000130',
     'RU-KEZ-EDU',
     'Управление образования Администрации муниципального образования «Муниципальный округ Кезский район Удмуртской Республики»',
     'authority', 'RU', 'Europe/Samara', 'ru', 'RUB', 'monthly',
     '["edu@kez.example.ru"]'),
    ('00000000-0000-4000-8000-000000000133', '00000000-0000-4000-8000-000000000130',
     'RU-KEZ-TER',
     'Управление территориального развития Администрации муниципального образования «Муниципальный округ Кезский район Удмуртской Республики»',
     'authority', 'RU', 'Europe/Samara', 'ru', 'RUB', 'monthly',
     '["territory@kez.example.ru", "imushchestvo@kez.example.ru"]'),
    ('00000000-0000-4000-8000-000000000134', '00000000-0000-4000-8000-000000000130',
     'RU-KEZ-CUL',
     'Отдел культуры Администрации муниципального образования «Муниципальный округ Кезский район Удмуртской Республики»',
     'authority', 'RU', 'Europe/Samara', 'ru', 'RUB', 'monthly',
     '["culture@kez.example.ru"]')
ON CONFLICT (id) DO NOTHING;
