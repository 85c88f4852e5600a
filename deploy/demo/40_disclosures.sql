-- Transparency demo data: the Glass Account law's requirements for Mongolian
-- organizations (seed 000: monthly by the 15th for budget organizations,
-- quarterly for private kindergartens, schools and family health centres;
-- the 5,000,000 MNT threshold), and the Khan-Uul district's publications for
-- October 2026 and the third quarter, with the late and missing items a
-- board should show: GET /v1/disclosure-compliance?period=2026-10.
-- Every statement is idempotent (ON CONFLICT DO NOTHING).
BEGIN;

INSERT INTO disclosure_requirements
    (id, code, name, category, jurisdiction, org_kinds, frequency, due_day,
     threshold_amount, threshold_currency, active_from)
VALUES
    ('00000000-0000-4000-8000-000000000401', 'MN-GLASS-BUDGET', 'Батлагдсан төсөв', 'approved_budget', 'MN',
     '["district_administration", "authority", "budget_institution"]', 'monthly', 15, NULL, NULL, '2015-01-01'),
    ('00000000-0000-4000-8000-000000000402', 'MN-GLASS-EXEC', 'Төсвийн гүйцэтгэл', 'budget_execution', 'MN',
     '["district_administration", "authority", "budget_institution"]', 'monthly', 15, NULL, NULL, '2015-01-01'),
    ('00000000-0000-4000-8000-000000000403', 'MN-GLASS-DECISIONS', 'Хөрөнгө зарцуулах шийдвэр',
     'spending_decisions', 'MN', '["district_administration", "authority", "budget_institution"]',
     'monthly', 15, NULL, NULL, '2015-01-01'),
    ('00000000-0000-4000-8000-000000000404', 'MN-GLASS-PURCHASES',
     '5 сая төгрөгөөс дээш бараа, ажил, үйлчилгээ худалдан авалт', 'purchases_above_threshold', 'MN',
     '["district_administration", "authority", "budget_institution"]', 'monthly', 15, 5000000.00, 'MNT',
     '2015-01-01'),
    ('00000000-0000-4000-8000-000000000405', 'MN-GLASS-TRANSACTIONS',
     'Цалингаас бусад 5 сая төгрөгөөс дээш орлого, зарлагын гүйлгээ', 'transactions_above_threshold', 'MN',
     '["district_administration", "authority", "budget_institution"]', 'monthly', 15, 5000000.00, 'MNT',
     '2015-01-01'),
    ('00000000-0000-4000-8000-000000000406', 'MN-GLASS-QUARTERLY', 'Улирлын санхүүгийн мэдээ', 'budget_execution', 'MN',
     '["private_kindergarten", "private_school", "family_health_centre"]', 'quarterly', 15, NULL, NULL,
     '2015-01-01')
ON CONFLICT (id) DO NOTHING;

-- October 2026, due 15 November (Asia/Ulaanbaatar): most publish on time;
-- the 73rd kindergarten is late with its execution and misses its purchases;
-- the Palace of Culture publishes nothing.
INSERT INTO disclosures (organization_id, requirement_id, period, published_at, reference, amount, currency)
SELECT o.id, r.id, '2026-10',
       timestamptz '2026-11-12 10:00:00+08' + (row_number() OVER (ORDER BY o.id, r.id)) * interval '7 minutes',
       'https://shilendans.gov.mn/org/' || o.code || '/2026-10/' || r.code,
       CASE WHEN r.threshold_amount IS NOT NULL THEN 12500000.00 END,
       CASE WHEN r.threshold_amount IS NOT NULL THEN 'MNT' END
FROM organizations o
JOIN disclosure_requirements r ON r.jurisdiction = o.jurisdiction AND r.org_kinds ? o.kind
     AND r.frequency = o.disclosure_frequency
WHERE o.jurisdiction = 'MN' AND o.disclosure_frequency = 'monthly'
  AND o.id NOT IN ('00000000-0000-4000-8000-000000000107', '00000000-0000-4000-8000-000000000108')
ON CONFLICT ON CONSTRAINT disclosures_period_key DO NOTHING;

INSERT INTO disclosures (organization_id, requirement_id, period, published_at, reference)
SELECT '00000000-0000-4000-8000-000000000107', r.id, '2026-10', timestamptz '2026-11-18 09:30:00+08',
       'https://shilendans.gov.mn/org/MN-KHU-KG73/2026-10/' || r.code
FROM disclosure_requirements r
WHERE r.code IN ('MN-GLASS-BUDGET', 'MN-GLASS-EXEC', 'MN-GLASS-DECISIONS')
ON CONFLICT ON CONSTRAINT disclosures_period_key DO NOTHING;

-- The third quarter, due 15 October: three of the four private organizations
-- published, one on the last evening.
INSERT INTO disclosures (organization_id, requirement_id, period, published_at, reference)
VALUES
    ('00000000-0000-4000-8000-000000000113', '00000000-0000-4000-8000-000000000406', '2026-Q3',
     '2026-10-08 11:00:00+08', 'https://shilendans.gov.mn/org/altan-gadas/2026-Q3'),
    ('00000000-0000-4000-8000-000000000114', '00000000-0000-4000-8000-000000000406', '2026-Q3',
     '2026-10-15 23:59:00+08', 'https://shilendans.gov.mn/org/zogiin-uur/2026-Q3'),
    ('00000000-0000-4000-8000-000000000115', '00000000-0000-4000-8000-000000000406', '2026-Q3',
     '2026-10-14 16:20:00+08', 'https://shilendans.gov.mn/org/ireedui/2026-Q3')
ON CONFLICT ON CONSTRAINT disclosures_period_key DO NOTHING;

COMMIT;
