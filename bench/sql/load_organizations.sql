-- 100,000 (psql -v rows=N) valid organizations for bench/run.sh, in one INSERT ... SELECT
-- generate_series, plus bench_ids (n -> id) for pgbench. Run against a freshly migrated,
-- empty database:  psql -X -v ON_ERROR_STOP=1 -v rows=100000 -d probity_bench -f this file
--
-- Deterministic: ids are md5-derived version-4-shaped UUIDs of the row number, every other
-- value comes from random() after setseed(), so every load yields the same rows.
-- Every value is one the registry (domain/registry.c) accepts; bench/run.sh re-checks a
-- sample by POSTing copies through probityd's validator.
--   jurisdiction  MN 40 % / KZ 30 % / RU 30 % (by row number, so a parent shares it)
--   kind          all 13 kinds, weighted towards budget institutions and small companies
--   timezone      IANA zones of the jurisdiction (Europe/Samara for most of RU: Udmurtia)
--   locale        mn/kk/ru/en, currency MNT/KZT/RUB/USD/EUR, mostly the jurisdiction's own
--   name          Mongolian Cyrillic (a few with traditional Mongolian script), Kazakh,
--                 Russian; brands in «» or in ASCII "" (JSON-escaped on output), some nested
--   parent_id     ~25 %: an earlier row of the same jurisdiction
--   code          ~90 %: MN-000123 style, unique; else null
--   contact_emails 0-3 distinct addresses, a JSON array
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;

-- name templates: %1$s place, %2$s quoted brand, %3$s number
CREATE TEMP TABLE bench_name_tpl (jurisdiction text, kind text, tpl text,
                                  PRIMARY KEY (jurisdiction, kind)) ON COMMIT DROP;
INSERT INTO bench_name_tpl VALUES
  ('MN', 'district_administration',  '%1$s дүүргийн Засаг даргын Тамгын газар'),
  ('MN', 'municipal_administration', '%1$s сумын Засаг даргын Тамгын газар'),
  ('MN', 'ministry',                 'Сангийн яамны %1$s дахь төлөөлөгчийн газар'),
  ('MN', 'authority',                '%1$s дүүргийн Татварын хэлтэс'),
  ('MN', 'budget_institution',       '%1$s дүүргийн %3$s дугаар ерөнхий боловсролын сургууль'),
  ('MN', 'state_enterprise',         '%1$s %2$s ТӨҮГ'),
  ('MN', 'joint_stock_company',      '%2$s ХК'),
  ('MN', 'llp',                      '%2$s ХХК'),
  ('MN', 'private_kindergarten',     '%2$s хувийн цэцэрлэг'),
  ('MN', 'private_school',           '%2$s сургууль'),
  ('MN', 'family_health_centre',     '%2$s өрхийн эрүүл мэндийн төв'),
  ('MN', 'hospital',                 '%1$s дүүргийн эрүүл мэндийн төв'),
  ('MN', 'other',                    '%1$s дүүргийн Соёлын ордон'),
  ('KZ', 'district_administration',  '%1$s ауданы әкімінің аппараты'),
  ('KZ', 'municipal_administration', 'ГУ «Аппарат акима города %1$s»'),
  ('KZ', 'ministry',                 'Министерство финансов Республики Казахстан, отдел № %3$s'),
  ('KZ', 'authority',                'Управление государственных доходов по району %1$s'),
  ('KZ', 'budget_institution',       'КГУ «Средняя школа № %3$s» отдела образования района %1$s'),
  ('KZ', 'state_enterprise',         'КГП на ПХВ %2$s'),
  ('KZ', 'joint_stock_company',      'АО %2$s'),
  ('KZ', 'llp',                      'ТОО %2$s'),
  ('KZ', 'private_kindergarten',     '%2$s балабақшасы'),
  ('KZ', 'private_school',           'Частная школа %2$s'),
  ('KZ', 'family_health_centre',     '%2$s отбасылық денсаулық орталығы'),
  ('KZ', 'hospital',                 'КГП на ПХВ «Районная больница района %1$s» УЗ ВКО'),
  ('KZ', 'other',                    '%1$s ауданының мәдениет үйі'),
  ('RU', 'district_administration',  'Администрация муниципального образования «%1$s район»'),
  ('RU', 'municipal_administration', 'Администрация муниципального образования «Муниципальный округ %1$s район Удмуртской Республики»'),
  ('RU', 'ministry',                 'Министерство финансов Удмуртской Республики, отдел № %3$s'),
  ('RU', 'authority',                '%1$s межрайонный отдел УФК по Удмуртской Республике'),
  ('RU', 'budget_institution',       'МБОУ «Средняя общеобразовательная школа № %3$s», %1$s район'),
  ('RU', 'state_enterprise',         'ГУП Удмуртской Республики %2$s'),
  ('RU', 'joint_stock_company',      'АО %2$s'),
  ('RU', 'llp',                      'ООО %2$s'),
  ('RU', 'private_kindergarten',     'Частный детский сад %2$s'),
  ('RU', 'private_school',           'Частная школа %2$s'),
  ('RU', 'family_health_centre',     'Центр семейной медицины %2$s'),
  ('RU', 'hospital',                 'БУЗ УР «Районная больница № %3$s МЗ УР», %1$s район'),
  ('RU', 'other',                    'МБУК «Дом культуры», %1$s район');

SELECT setseed(0.5813) \g /dev/null

WITH kinds AS (                        -- weighted kinds, expanded into one array
  SELECT array_agg(kind ORDER BY o, i) AS a
  FROM (VALUES (1, 'district_administration', 1), (2, 'municipal_administration', 3),
               (3, 'ministry', 1), (4, 'authority', 2), (5, 'budget_institution', 12),
               (6, 'state_enterprise', 2), (7, 'joint_stock_company', 2), (8, 'llp', 6),
               (9, 'private_kindergarten', 4), (10, 'private_school', 2),
               (11, 'family_health_centre', 2), (12, 'hospital', 2), (13, 'other', 5)) v(o, kind, w),
       generate_series(1, w) i
), base AS (                           -- volatile: materialized once, in row order
  SELECT g AS n,
         CASE WHEN g % 10 < 4 THEN 'MN' WHEN g % 10 < 7 THEN 'KZ' ELSE 'RU' END AS j,
         random() AS r_kind, random() AS r_place, random() AS r_brand, random() AS r_quote,
         random() AS r_num, random() AS r_tz, random() AS r_loc, random() AS r_cur,
         random() AS r_freq, random() AS r_code, random() AS r_mails, random() AS r_parent,
         random() AS r_pick, random() AS r_created, random() AS r_upd, random() AS r_ver,
         random() AS r_script
  FROM generate_series(1, :rows) g
), picked AS (
  SELECT b.*,
         k.a[1 + floor(b.r_kind * cardinality(k.a))::int] AS kind,
         1 + floor(b.r_place * 12)::int AS ip,
         1 + floor(b.r_brand * 12)::int AS ib,
         1 + floor(power(b.r_ver, 3) * 8)::int AS ver,
         date_trunc('milliseconds', timestamptz '2019-01-01 00:00:00+00'
                    + b.r_created * interval '2400 days') AS created
  FROM base b CROSS JOIN kinds k
), named AS (
  SELECT r.*,
         CASE r.j
           WHEN 'MN' THEN (ARRAY['Хан-Уул','Сүхбаатар','Баянзүрх','Чингэлтэй','Баянгол','Сонгинохайрхан',
                                 'Налайх','Багануур','Дархан-Уул','Орхон','Өвөрхангай','Ховд'])[r.ip]
           WHEN 'KZ' THEN (ARRAY['Алтай','Глубокое','Зайсан','Катон-Карагай','Шемонаиха','Үржар',
                                 'Аягөз','Тарбағатай','Күршім','Ұлан','Абай','Бородулиха'])[r.ip]
           ELSE (ARRAY['Кезский','Глазовский','Игринский','Увинский','Шарканский','Воткинский',
                       'Малопургинский','Сарапульский','Можгинский','Якшур-Бодьинский','Дебёсский',
                       'Балезинский'])[r.ip]
         END AS place,
         CASE r.j
           WHEN 'MN' THEN (ARRAY['Мөнх','Хангай','Алтай','Тэнгэр','Номин','Оюу','Сувд','Гэрэлт',
                                 'Мандал','Түшиг','Өлзий','Их Засаг'])[r.ib]
           WHEN 'KZ' THEN (ARRAY['Ақбота','Болашақ','Арман','Нұр','Самал','Жұлдыз','Алтын Дала',
                                 'Береке','Атамекен','Шапағат','Городская больница г. Серебрянск',
                                 'Ұлбі'])[r.ib]
           ELSE (ARRAY['Альфа','Вектор','Гранит','Меридиан','Север','Союз','Восход','Рассвет',
                       'Кристалл','Прогресс','Кама-Энерго','Удмуртские зори'])[r.ib]
         END AS brand
  FROM picked r
)
INSERT INTO organizations
  (id, parent_id, code, name, kind, jurisdiction, timezone, locale, currency,
   disclosure_frequency, contact_emails, created_at, updated_at, version)
SELECT
  (substr(h.m, 1, 12) || '4' || substr(h.m, 14, 3) || '8' || substr(h.m, 18, 15))::uuid,
  CASE WHEN x.n > 10 AND x.r_parent < 0.25 THEN
    (substr(p.m, 1, 12) || '4' || substr(p.m, 14, 3) || '8' || substr(p.m, 18, 15))::uuid
  END,
  CASE WHEN x.r_code < 0.9 THEN x.j || '-' || lpad(x.n::text, 6, '0') END,
  format(t.tpl, x.place,
         CASE WHEN x.r_quote < CASE x.j WHEN 'MN' THEN 0.6 ELSE 0.15 END THEN '"' || x.brand || '"'
              WHEN x.r_quote > 0.95 AND x.j <> 'MN' THEN '«Компания "' || x.brand || '"»'
              ELSE '«' || x.brand || '»' END,
         (1 + floor(x.r_num * 60)::int)::text)
    || CASE WHEN x.j = 'MN' AND x.r_script < 0.05 THEN ' — ᠮᠣᠩᠭᠣᠯ ᠤᠯᠤᠰ' ELSE '' END,
  x.kind,
  x.j,
  CASE x.j
    WHEN 'MN' THEN CASE WHEN x.r_tz < 0.85 THEN 'Asia/Ulaanbaatar' ELSE 'Asia/Hovd' END
    WHEN 'KZ' THEN CASE WHEN x.r_tz < 0.50 THEN 'Asia/Almaty' WHEN x.r_tz < 0.60 THEN 'Asia/Qostanay'
                        WHEN x.r_tz < 0.70 THEN 'Asia/Aqtobe' WHEN x.r_tz < 0.78 THEN 'Asia/Oral'
                        WHEN x.r_tz < 0.86 THEN 'Asia/Atyrau' WHEN x.r_tz < 0.93 THEN 'Asia/Aqtau'
                        ELSE 'Asia/Qyzylorda' END
    ELSE CASE WHEN x.r_tz < 0.45 THEN 'Europe/Samara' WHEN x.r_tz < 0.70 THEN 'Europe/Moscow'
              WHEN x.r_tz < 0.78 THEN 'Asia/Yekaterinburg' WHEN x.r_tz < 0.85 THEN 'Asia/Novosibirsk'
              WHEN x.r_tz < 0.90 THEN 'Asia/Krasnoyarsk' WHEN x.r_tz < 0.95 THEN 'Asia/Vladivostok'
              ELSE 'Europe/Kaliningrad' END
  END,
  CASE x.j
    WHEN 'MN' THEN CASE WHEN x.r_loc < 0.85 THEN 'mn' WHEN x.r_loc < 0.95 THEN 'en' ELSE 'ru' END
    WHEN 'KZ' THEN CASE WHEN x.r_loc < 0.45 THEN 'kk' WHEN x.r_loc < 0.95 THEN 'ru' ELSE 'en' END
    ELSE CASE WHEN x.r_loc < 0.95 THEN 'ru' ELSE 'en' END
  END,
  CASE WHEN x.r_cur < 0.92 THEN CASE x.j WHEN 'MN' THEN 'MNT' WHEN 'KZ' THEN 'KZT' ELSE 'RUB' END
       WHEN x.r_cur < 0.97 THEN 'USD' ELSE 'EUR' END,
  CASE WHEN x.r_freq < 0.7 THEN 'monthly' ELSE 'quarterly' END,
  CASE WHEN x.r_mails < 0.15 THEN '[]'::jsonb
       WHEN x.r_mails < 0.60 THEN jsonb_build_array('info@' || d.dom)
       WHEN x.r_mails < 0.90 THEN jsonb_build_array('info@' || d.dom, 'finance@' || d.dom)
       ELSE jsonb_build_array('info@' || d.dom, 'finance@' || d.dom, 'audit.office@' || d.dom) END,
  x.created,
  CASE WHEN x.ver = 1 THEN x.created
       ELSE date_trunc('milliseconds', x.created
                       + x.r_upd * (timestamptz '2026-11-01 00:00:00+00' - x.created)) END,
  x.ver
FROM named x
JOIN bench_name_tpl t ON t.jurisdiction = x.j AND t.kind = x.kind
CROSS JOIN LATERAL (SELECT md5('probity-bench/org/' || x.n) AS m) h
CROSS JOIN LATERAL (SELECT md5('probity-bench/org/'
                               || (x.n - 10 * (1 + floor(x.r_pick * ((x.n - 1) / 10))::int))) AS m) p
CROSS JOIN LATERAL (SELECT 'org' || x.n || '.example.' || lower(x.j) AS dom) d
ORDER BY x.n;

-- row number -> id, for pgbench's random pick (bench/run.sh's own ceiling)
DROP TABLE IF EXISTS bench_ids;
CREATE TABLE bench_ids (n int PRIMARY KEY, id uuid NOT NULL UNIQUE);
INSERT INTO bench_ids SELECT row_number() OVER (ORDER BY id), id FROM organizations;

COMMIT;

VACUUM (ANALYZE) organizations;
VACUUM (ANALYZE) bench_ids;
