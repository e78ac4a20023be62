-- The demo region: Lu'an city (341500) and Huoqiu county (341522), each with a treasury account
-- and a non-tax settlement account. All account numbers and treasury codes are fictional.
-- Land proceeds go to the non-tax account in the city and to the treasury in the county, to show
-- that any kind can be routed to either side.

INSERT INTO region (code, name) VALUES
  ('341500', '六安市'),
  ('341522', '霍邱县');

INSERT INTO payee_account (account_id, region, side, name, bank_name, account_no, treasury_code) VALUES
  ('TRE-341500', '341500', 'TREASURY', '国家金库六安市中心支库', '中国人民银行六安市分行', '270341500000000001', '3415000000'),
  ('NTX-341500', '341500', 'NON_TAX',  '六安市财政局非税收入汇缴结算户', '中国建设银行六安分行', '34050175610800000001', NULL),
  ('TRE-341522', '341522', 'TREASURY', '国家金库霍邱县支库', '中国人民银行霍邱县支行', '270341522000000001', '3415220000'),
  ('NTX-341522', '341522', 'NON_TAX',  '霍邱县财政局非税收入汇缴结算户', '中国农业银行霍邱县支行', '12195101040000001', NULL);

INSERT INTO route (region, kind, payee_account_id, tax_office_code, budget_subject_code, budget_level,
                   collecting_unit_code, income_item_code)
SELECT r.region, k.kind,
       CASE WHEN k.side = 'TREASURY' THEN 'TRE-' ELSE 'NTX-' END || r.region,
       CASE WHEN k.side = 'TREASURY' THEN r.tax_office END,
       CASE WHEN k.side = 'TREASURY' THEN k.budget_subject END,
       CASE WHEN k.side = 'TREASURY' THEN r.level END,
       CASE WHEN k.side = 'NON_TAX' THEN r.collecting_unit END,
       CASE WHEN k.side = 'NON_TAX' THEN k.income_item END
FROM (VALUES ('341500', '13415000000', '3', '0150101'),
             ('341522', '13415220000', '4', '0152201')) AS r(region, tax_office, level, collecting_unit)
CROSS JOIN (VALUES
  ('DEED_TAX',                  'TREASURY', '10119',   NULL),
  ('VAT',                       'TREASURY', '1010101', NULL),
  ('INDIVIDUAL_INCOME_TAX',     'TREASURY', '10106',   NULL),
  ('STAMP_DUTY',                'TREASURY', '10111',   NULL),
  ('URBAN_MAINTENANCE_TAX',     'TREASURY', '10109',   NULL),
  ('EDUCATION_SURCHARGE',       'TREASURY', '1030203', NULL),
  ('LOCAL_EDUCATION_SURCHARGE', 'TREASURY', '1030216', NULL),
  ('LAND_APPRECIATION_TAX',     'TREASURY', '10113',   NULL),
  ('REGISTRATION_FEE',          'NON_TAX',  NULL,      '103043211'),
  ('CERTIFICATE_FEE',           'NON_TAX',  NULL,      '103043212')
) AS k(kind, side, budget_subject, income_item);

INSERT INTO route (region, kind, payee_account_id, tax_office_code, budget_subject_code, budget_level,
                   collecting_unit_code, income_item_code) VALUES
  ('341500', 'LAND_PROCEEDS', 'NTX-341500', NULL, NULL, NULL, '0150102', '103014801'),
  ('341522', 'LAND_PROCEEDS', 'TRE-341522', '13415220000', '1030148', '4', NULL, NULL);
