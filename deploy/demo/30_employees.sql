-- Demo employees and declared relatives, drawn from the seed documents in seeds/:
--   000_e6fd2900c915c0b9.txt  Khan-Uul district internal audit report (units:
--                             Санхүү, төрийн сангийн хэлтэс; Төрийн захиргаа
--                             удирдлагын хэлтэс; the internal audit office)
--   003_6dabbff7dde4c26a.txt  Serebryansk city hospital anti-corruption policy
--                             (§ on close relatives: no close relatives or
--                             in-laws in the same unit, nor in functionally
--                             linked positions in different units)
--   004_7c0782e7e84a6e83.txt  Kez municipal district receivables regulation
--                             (units: отдел правовой и кадровой работы,
--                             Управление финансов, ...)
--
-- Every person is invented; no name is taken from the seeds. Requires
-- 20_organizations.sql. Fixed ids 00000000-0000-4000-8000-0000000002xx:
-- 201-207 Mongolia, 220-230 Kazakhstan, 240-246 Russia.
--
-- employee_relatives: a declaration is stored once, as the declaring employee
-- (employee_id) wrote it; relation says what relative_id is to employee_id
-- (e.g. 'parent': relative_id is employee_id's parent).
--
-- Hospital test cases for the close-relative check:
--   * 224 declares 223 as 'parent' (daughter and mother, both nurses in the
--     therapy unit)                                   -> same-unit conflict
--   * 227 declares 226 as 'spouse' (accounting vs surgery, not functionally
--     linked)                                          -> no conflict
--   * 230 declares 229 as 'other' (cousins, both in surgery; cousins are not
--     close relatives under the policy)                -> no conflict

-- ---------------------------------------------------------------------------
-- Mongolia: Khan-Uul district governor's office and internal audit office
-- ---------------------------------------------------------------------------

INSERT INTO employees (id, organization_id, full_name, unit, position, email)
VALUES
    ('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-000000000101',
     'Батсүхийн Энхжаргал', 'Санхүү, төрийн сангийн хэлтэс',
     'Хэлтсийн дарга', 'enkhjargal.b@khan-uul.example.mn'),
    ('00000000-0000-4000-8000-000000000202', '00000000-0000-4000-8000-000000000101',
     'Дашдоржийн Мөнхцэцэг', 'Санхүү, төрийн сангийн хэлтэс',
     'Ахлах нягтлан бодогч', 'munkhtsetseg.d@khan-uul.example.mn'),
    ('00000000-0000-4000-8000-000000000203', '00000000-0000-4000-8000-000000000101',
     'Ганбаатарын Тэмүүлэн', 'Төрийн захиргаа удирдлагын хэлтэс',
     'Шилэн данс хариуцсан мэргэжилтэн', 'temuulen.g@khan-uul.example.mn'),
    ('00000000-0000-4000-8000-000000000204', '00000000-0000-4000-8000-000000000102',
     'Цэрэнпилийн Оюунчимэг', 'Удирдлага',
     'Албаны дарга', 'oyunchimeg.ts@khan-uul.example.mn'),
    ('00000000-0000-4000-8000-000000000205', '00000000-0000-4000-8000-000000000102',
     'Лхагвасүрэнгийн Бат-Эрдэнэ', 'Аудитын хэсэг',
     'Ахлах дотоод аудитор', 'baterdene.l@khan-uul.example.mn'),
    ('00000000-0000-4000-8000-000000000206', '00000000-0000-4000-8000-000000000102',
     'Нямдоржийн Сарангэрэл', 'Аудитын хэсэг',
     'Дотоод аудитор', 'sarangerel.n@khan-uul.example.mn'),
    ('00000000-0000-4000-8000-000000000207', '00000000-0000-4000-8000-000000000102',
     'Пүрэвийн Ганзориг', 'Аудитын хэсэг',
     'Дотоод аудитор', 'ganzorig.p@khan-uul.example.mn')
ON CONFLICT (id) DO NOTHING;

-- ---------------------------------------------------------------------------
-- Kazakhstan: regional health authority and Serebryansk city hospital
-- ---------------------------------------------------------------------------

INSERT INTO employees (id, organization_id, full_name, unit, position, email)
VALUES
    ('00000000-0000-4000-8000-000000000220', '00000000-0000-4000-8000-000000000120',
     'Сейткалиева Жанар Болатовна', 'Отдел контроля и мониторинга',
     'Главный специалист', 'zh.seitkaliyeva@uz-vko.example.kz'),

    ('00000000-0000-4000-8000-000000000221', '00000000-0000-4000-8000-000000000121',
     'Жаксылыков Марат Ерланович', 'Администрация',
     'Главный врач', 'm.zhaksylykov@srb-hospital.example.kz'),
    ('00000000-0000-4000-8000-000000000222', '00000000-0000-4000-8000-000000000121',
     'Беляева Наталья Сергеевна', 'Администрация',
     'Комплаенс-офицер', 'n.belyaeva@srb-hospital.example.kz'),

    -- therapy unit: mother (223) and daughter (224), both nurses
    ('00000000-0000-4000-8000-000000000223', '00000000-0000-4000-8000-000000000121',
     'Петрова Галина Ивановна', 'Терапевтическое отделение',
     'Старшая медицинская сестра', 'g.petrova@srb-hospital.example.kz'),
    ('00000000-0000-4000-8000-000000000224', '00000000-0000-4000-8000-000000000121',
     'Сидоренко Ольга Викторовна', 'Терапевтическое отделение',
     'Палатная медицинская сестра', 'o.sidorenko@srb-hospital.example.kz'),
    ('00000000-0000-4000-8000-000000000225', '00000000-0000-4000-8000-000000000121',
     'Омарова Айгуль Каримовна', 'Терапевтическое отделение',
     'Заведующая отделением, врач-терапевт', 'a.omarova@srb-hospital.example.kz'),

    -- spouses in different units: surgeon (226) and chief accountant (227)
    ('00000000-0000-4000-8000-000000000226', '00000000-0000-4000-8000-000000000121',
     'Иванов Сергей Петрович', 'Хирургическое отделение',
     'Заведующий отделением, врач-хирург', 's.ivanov@srb-hospital.example.kz'),
    ('00000000-0000-4000-8000-000000000227', '00000000-0000-4000-8000-000000000121',
     'Иванова Елена Викторовна', 'Бухгалтерия',
     'Главный бухгалтер', 'e.ivanova@srb-hospital.example.kz'),

    ('00000000-0000-4000-8000-000000000228', '00000000-0000-4000-8000-000000000121',
     'Касымов Арман Нурланович', 'Отдел государственных закупок',
     'Специалист по государственным закупкам', 'a.kassymov@srb-hospital.example.kz'),

    -- cousins in the same unit: surgeon (229) and operating nurse (230)
    ('00000000-0000-4000-8000-000000000229', '00000000-0000-4000-8000-000000000121',
     'Нургалиев Ерлан Маратович', 'Хирургическое отделение',
     'Врач-хирург', 'e.nurgaliyev@srb-hospital.example.kz'),
    ('00000000-0000-4000-8000-000000000230', '00000000-0000-4000-8000-000000000121',
     'Нургалиева Динара Асхатовна', 'Хирургическое отделение',
     'Операционная медицинская сестра', 'd.nurgaliyeva@srb-hospital.example.kz')
ON CONFLICT (id) DO NOTHING;

INSERT INTO employee_relatives (employee_id, relative_id, relation)
VALUES
    -- daughter declares her mother: close relatives in the same unit
    ('00000000-0000-4000-8000-000000000224', '00000000-0000-4000-8000-000000000223', 'parent'),
    -- wife declares her husband: different, not functionally linked units
    ('00000000-0000-4000-8000-000000000227', '00000000-0000-4000-8000-000000000226', 'spouse'),
    -- cousins: not close relatives under the policy
    ('00000000-0000-4000-8000-000000000230', '00000000-0000-4000-8000-000000000229', 'other')
ON CONFLICT (employee_id, relative_id) DO NOTHING;

-- ---------------------------------------------------------------------------
-- Russia: Kez municipal district administration and its finance and
-- territorial development departments
-- ---------------------------------------------------------------------------

INSERT INTO employees (id, organization_id, full_name, unit, position, email)
VALUES
    ('00000000-0000-4000-8000-000000000240', '00000000-0000-4000-8000-000000000130',
     'Корепанов Андрей Николаевич', 'Руководство',
     'Заместитель Главы Администрации по экономике и финансам', 'a.korepanov@kez.example.ru'),
    ('00000000-0000-4000-8000-000000000241', '00000000-0000-4000-8000-000000000130',
     'Чиркова Светлана Александровна', 'Отдел правовой и кадровой работы',
     'Начальник отдела', 's.chirkova@kez.example.ru'),
    ('00000000-0000-4000-8000-000000000242', '00000000-0000-4000-8000-000000000130',
     'Баженов Дмитрий Игоревич', 'Отдел правовой и кадровой работы',
     'Главный специалист-эксперт (юрист)', 'd.bazhenov@kez.example.ru'),
    ('00000000-0000-4000-8000-000000000243', '00000000-0000-4000-8000-000000000131',
     'Волкова Татьяна Михайловна', 'Руководство',
     'Начальник Управления финансов', 't.volkova@kez.example.ru'),
    ('00000000-0000-4000-8000-000000000244', '00000000-0000-4000-8000-000000000131',
     'Шкляева Марина Витальевна', 'Отдел доходов',
     'Главный специалист-эксперт', 'm.shklyaeva@kez.example.ru'),
    ('00000000-0000-4000-8000-000000000245', '00000000-0000-4000-8000-000000000133',
     'Перевощиков Алексей Валерьевич', 'Руководство',
     'Начальник Управления территориального развития', 'a.perevoshchikov@kez.example.ru'),
    ('00000000-0000-4000-8000-000000000246', '00000000-0000-4000-8000-000000000133',
     'Дзюина Ольга Геннадьевна', 'Сектор имущественных и земельных отношений',
     'Ведущий специалист-эксперт', 'o.dzyuina@kez.example.ru')
ON CONFLICT (id) DO NOTHING;

-- 241 heads the legal department, the executing unit (1.4) of the
-- administration's receivables in 50_receivables.sql: the report as of
-- December 25 goes to her (3.5). Set apart from the insert so that a
-- database loaded before the flag existed gets it too.
UPDATE employees SET unit_head = true
WHERE id = '00000000-0000-4000-8000-000000000241' AND NOT unit_head;
