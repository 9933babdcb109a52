// Invented content for the demo outlets: per language, a few topics, each with title and
// summary templates and sentences on that one topic, plus the boilerplate strings that
// surround an article (nav, cookie banner, newsletter box, comments, footer).
// Placeholders: {place}, {n} (a small number), {m} (a larger number), {pct} (a percentage),
// {official} (a person's name), {org} (an organisation). Nothing here is real reporting.

export interface Place {
  name: string;
  slug: string;
  /** Declined forms for languages that need them ({place_loc}, {place_gen}); default to name. */
  loc?: string;
  gen?: string;
}

export interface Topic {
  key: string;
  section: string;
  titles: string[];
  summaries: string[];
  sentences: string[];
  officials: string[];
  orgs: string[];
}

export interface LangBank {
  lang: string;
  locale: string;
  places: Place[];
  authors: string[];
  commenters: string[];
  comments: string[];
  /** Sentences that fit any story: follow-ups, context. */
  generic: string[];
  ui: {
    nav: string[];
    cookie: string;
    cookieAccept: string;
    cookieSettings: string;
    share: string;
    shareTargets: string[];
    copyLink: string;
    newsletterTitle: string;
    newsletterText: string;
    newsletterButton: string;
    related: string;
    comments: string;
    readMore: string;
    by: string;
    footerLinks: string[];
    search: string;
    updateSuffix: string;
    homeTitle: string;
  };
}

export const EN: LangBank = {
  lang: 'en',
  locale: 'en_GB',
  places: [
    { name: 'Port Alder', slug: 'port-alder' },
    { name: 'Kestrel Bay', slug: 'kestrel-bay' },
    { name: 'Millbrook', slug: 'millbrook' },
    { name: 'Eastwick Marsh', slug: 'eastwick-marsh' },
    { name: 'Greyhaven', slug: 'greyhaven' },
    { name: 'Ashford Cross', slug: 'ashford-cross' },
  ],
  authors: ['Nora Pemberton', 'Callum Reyes', 'Priya Lindqvist', 'Tobias Achterberg', 'Imogen Clarke'],
  commenters: ['harbourwatcher', 'M. Okafor', 'lowtide_lucy', 'Dan from the ferry', 'J. Whitcombe'],
  comments: [
    'About time somebody looked into this properly.',
    'I was there on Tuesday and it was exactly as described.',
    'Would be good to see the full figures published.',
    'My neighbours have been saying this for years.',
    'Interesting piece, thanks for the clear explanation.',
  ],
  generic: [
    'A further update is expected once the council publishes its minutes next week.',
    'Residents who want to comment can do so at the public library until the end of the month.',
    'The figures were first reported to a committee meeting on Monday evening.',
    'Similar plans were discussed in neighbouring districts last year but stalled over funding.',
    'Local business owners said they would wait for the detailed proposals before taking a view.',
    'The next review of the scheme is scheduled for the spring.',
  ],
  ui: {
    nav: ['Home', 'Local', 'Politics', 'Science', 'Business', 'Sport', 'Opinion'],
    cookie: 'We use cookies to understand how you use our site and to improve your experience.',
    cookieAccept: 'Accept all',
    cookieSettings: 'Manage settings',
    share: 'Share this story',
    shareTargets: ['Facebook', 'X', 'LinkedIn', 'Email'],
    copyLink: 'Copy link',
    newsletterTitle: 'The Morning Tide',
    newsletterText: 'Get the day’s top local stories in your inbox every weekday at 7am.',
    newsletterButton: 'Sign up',
    related: 'More on this story',
    comments: 'Comments',
    readMore: 'Read more',
    by: 'By',
    footerLinks: ['About us', 'Contact', 'Corrections', 'Privacy policy', 'Terms of use', 'Advertise'],
    search: 'Search',
    updateSuffix: 'update',
    homeTitle: 'Latest stories',
  },
};

export const EN_TOPICS_NEWS: Topic[] = [
  {
    key: 'ferry',
    section: 'Local',
    titles: [
      '{place} ferry timetable to be cut by {n} crossings a day',
      'Commuters in {place} face longer waits as ferry crossings are reduced',
    ],
    summaries: [
      'The operator says falling winter passenger numbers mean {n} daily crossings from {place} will be withdrawn from next month.',
    ],
    sentences: [
      'The ferry operator confirmed on Thursday that {n} daily crossings from {place} will be withdrawn from the start of next month.',
      'Passenger numbers on the early morning route have fallen by {pct} per cent since the new bridge opened, according to the operator.',
      '{official}, who speaks for {org}, said the decision had been "difficult but unavoidable" given the cost of fuel.',
      'Commuters who rely on the 6.40am sailing said the change would add up to {n} hours to their working week.',
      'The remaining crossings will be rescheduled so that the last boat leaves {place} at 9.15pm instead of 10pm.',
      'A petition calling for the evening service to be kept has gathered {m} signatures in four days.',
      'The operator said it would review the timetable again in the summer, when tourist traffic usually doubles.',
      'Harbour staff said the quay at {place} would stay open for freight during the hours without passenger services.',
      'Councillors have asked the operator to publish the passenger counts behind its decision.',
      '{org} said season ticket holders would be offered a partial refund.',
    ],
    officials: ['Martin Hale', 'Sophie Varga'],
    orgs: ['the Alder Sound Ferry Company', 'Coastal Crossings Ltd'],
  },
  {
    key: 'library',
    section: 'Local',
    titles: ['{place} library reopens after {n}-month renovation', 'Restored reading room opens its doors again in {place}'],
    summaries: ['The renovated library in {place} has reopened with a new children’s wing, longer opening hours and a repaired roof.'],
    sentences: [
      'The library in {place} reopened on Saturday after a {n}-month renovation that replaced its leaking roof.',
      'More than {m} visitors came through the doors on the first morning, staff said.',
      'The building now has a children’s wing on the ground floor and a quiet study room on the first floor.',
      '{official} of {org} said the work had come in slightly under its budget.',
      'Opening hours have been extended to 8pm on weekdays, a change requested by students in a survey last year.',
      'The original Victorian reading room has been restored, including its tiled floor and iron gallery.',
      'Volunteers spent weeks moving the collection of about {m} books into temporary storage during the work.',
      'A local history archive that had been closed to the public is available again by appointment.',
      'The library will host free coding clubs for teenagers on Wednesday evenings from next week.',
      'Some regular visitors said they missed the old layout but welcomed the new lifts.',
    ],
    officials: ['Helen Osei', 'Richard Blakemore'],
    orgs: ['the district libraries service', 'the Friends of the Library trust'],
  },
  {
    key: 'budget',
    section: 'Politics',
    titles: [
      '{place} council agrees budget with {pct} per cent rise in road repairs',
      'Road repairs win as {place} council sets its budget',
    ],
    summaries: [
      'Councillors in {place} have approved next year’s budget, shifting money towards road repairs and away from new office space.',
    ],
    sentences: [
      'Councillors in {place} approved next year’s budget by {n} votes after a four-hour meeting on Wednesday night.',
      'Spending on road repairs will rise by {pct} per cent, the largest increase in any department.',
      'Plans for a new council office building have been postponed for at least two years to pay for the change.',
      '{official}, who chairs the finance committee at {org}, said potholes were "the single biggest complaint we receive".',
      'Opposition members argued that the money should have gone to youth services instead.',
      'Council tax for an average household will rise by just under {n} pounds a month.',
      'A list of the first {m} streets to be resurfaced is due to be published in the spring.',
      'The budget also includes a small fund for repairing public benches and bus shelters.',
      'Officers warned that the council’s reserves would be lower at the end of the year than at any time in a decade.',
      'The meeting was briefly adjourned when a microphone fault interrupted the vote.',
    ],
    officials: ['Alan Fairweather', 'Grace Adebayo'],
    orgs: ['the borough council', 'the district council'],
  },
];

export const EN_TOPICS_SCIENCE: Topic[] = [
  {
    key: 'seabirds',
    section: 'Science',
    titles: ['Seabird count on the cliffs near {place} finds {pct} per cent more puffins', 'Puffins return in larger numbers to {place}'],
    summaries: ['Volunteers counting nesting seabirds near {place} recorded the highest number of puffin burrows in a decade.'],
    sentences: [
      'Volunteers counting nesting seabirds on the cliffs near {place} recorded {pct} per cent more occupied puffin burrows than last year.',
      'The count, carried out over {n} days in June, is the highest since monitoring began in its current form.',
      '{official}, an ecologist with {org}, said a good year for sand eels was the most likely explanation.',
      'Kittiwake numbers, by contrast, were slightly down on the previous season.',
      'Teams used drones for the first time to count birds on ledges that cannot be reached safely on foot.',
      'The drone images were checked by hand against ground counts to make sure the two methods agreed.',
      'Researchers cautioned that a single good year does not make a trend.',
      'The survey area covers about {m} metres of cliff on either side of the lighthouse.',
      'Visitors have been asked to keep to the marked paths during the breeding season.',
      'The full data will be shared with a national seabird monitoring programme in the autumn.',
    ],
    officials: ['Dr Eilidh Moran', 'Dr Samuel Achebe'],
    orgs: ['the Coastal Wildlife Trust', 'the university’s marine ecology group'],
  },
  {
    key: 'tidal',
    section: 'Science',
    titles: [
      'Tidal turbine trial off {place} passes {n}-month milestone',
      'Underwater turbine near {place} keeps turning through winter storms',
    ],
    summaries: ['A small tidal turbine installed off {place} has generated power for {n} months without a major fault, its engineers say.'],
    sentences: [
      'A test turbine anchored on the seabed off {place} has now generated electricity for {n} months without a major fault.',
      'The machine produced enough power for roughly {m} homes over the period, according to its engineers.',
      '{official} of {org} said the winter storms had been the real test of the design.',
      'Divers inspect the turbine every six weeks and have found only light growth of seaweed on the blades.',
      'Unlike wind, the tides can be predicted years in advance, which makes the output easier to plan for.',
      'The team is measuring the noise the blades make to check whether it disturbs seals and porpoises.',
      'So far the recordings suggest the sound fades to background levels within a few hundred metres.',
      'The main challenge remains cost: each unit of electricity is still {n} times more expensive than from offshore wind.',
      'A second, larger turbine could be installed nearby if the trial continues to go well.',
      'Fishing crews were consulted on the location to keep the turbine away from the main trawling grounds.',
    ],
    officials: ['Ingrid Solberg', 'Dr Tomasz Wilk'],
    orgs: ['the Marine Energy Test Centre', 'the tidal power consortium'],
  },
  {
    key: 'telescope',
    section: 'Science',
    titles: ['Amateur astronomers in {place} spot a new variable star', 'Backyard telescope in {place} catches a star changing brightness'],
    summaries: [
      'Members of an astronomy club in {place} noticed a star that brightens and dims every {n} days, and professionals have confirmed it.',
    ],
    sentences: [
      'Members of an astronomy club in {place} have identified a star whose brightness changes on a regular {n}-day cycle.',
      'The discovery was made using a telescope bought with a small lottery grant and set up in a member’s garden.',
      '{official}, who leads the club, said the pattern first showed up in photographs taken over {m} nights.',
      'Professional astronomers at {org} checked the data and confirmed that the variation is real.',
      'The star is too faint to be seen with the naked eye but is visible in a modest telescope.',
      'Such stars are useful because their regular behaviour helps astronomers estimate distances.',
      'The club has submitted its measurements to an international database of variable stars.',
      'Members said the hardest part was the weather, with cloud ruining roughly half of the planned sessions.',
      'The club holds open evenings on the first Friday of each month when skies are clear.',
      'Light pollution from new street lamps remains a worry for the group.',
    ],
    officials: ['Gwen Talbot', 'Peter Nakamura'],
    orgs: ['the university observatory', 'the national astronomy society'],
  },
];

export const JA: LangBank = {
  lang: 'ja',
  locale: 'ja_JP',
  places: [
    { name: '北浜市', slug: 'kitahama' },
    { name: '白川町', slug: 'shirakawa' },
    { name: '青葉台', slug: 'aobadai' },
    { name: '南港町', slug: 'nanko' },
    { name: '東山村', slug: 'higashiyama' },
  ],
  authors: ['佐藤 美咲', '中村 健太', '小林 由紀', '山本 大輔'],
  commenters: ['通りすがり', '地元民A', 'はるか', '北浜の住人'],
  comments: ['分かりやすい記事でした。', '続報を期待しています。', '現地に行ってみたくなりました。', '数字の根拠も知りたいです。'],
  generic: [
    '関係者によると、詳しい内容は来週にも公表される見通しだ。',
    '住民からは、今後の説明会の開催を求める声も上がっている。',
    '同様の取り組みは近隣の自治体でも検討されている。',
    '担当者は、引き続き状況を注視していくと話している。',
    '市は今年度中に結果をまとめ、報告書として公開する予定だ。',
  ],
  ui: {
    nav: ['トップ', '地域', '経済', '科学', '文化', 'スポーツ'],
    cookie: '当サイトでは利便性向上のためクッキーを使用しています。',
    cookieAccept: '同意する',
    cookieSettings: '設定',
    share: 'この記事を共有',
    shareTargets: ['X', 'フェイスブック', 'LINE', 'メール'],
    copyLink: 'リンクをコピー',
    newsletterTitle: 'さくら日報 朝刊メール',
    newsletterText: '毎朝7時に主要ニュースをお届けします。',
    newsletterButton: '登録する',
    related: '関連記事',
    comments: 'コメント',
    readMore: 'あわせて読みたい',
    by: '記者',
    footerLinks: ['会社概要', 'お問い合わせ', '訂正', 'プライバシーポリシー', '利用規約'],
    search: '検索',
    updateSuffix: '続報',
    homeTitle: '最新ニュース',
  },
};

export const JA_TOPICS: Topic[] = [
  {
    key: 'sakura',
    section: '地域',
    titles: ['{place}の桜並木、例年より{n}日早く満開に', '{place}で桜が満開　花見客でにぎわう'],
    summaries: ['{place}の川沿いの桜並木が満開を迎え、週末には多くの花見客が訪れた。'],
    sentences: [
      '{place}の川沿いに続く桜並木が、例年より{n}日早く満開となった。',
      '並木にはおよそ{m}本の桜が植えられており、地域の名所として知られている。',
      '{org}の{official}さんは「暖かい日が続いたことが影響した」と話す。',
      '週末には家族連れなどが訪れ、川沿いの遊歩道は一日中にぎわった。',
      '夜間は照明が点灯され、水面に映る桜を撮影する人の姿も見られた。',
      '混雑を避けるため、臨時の駐車場と案内係が設けられた。',
      '見ごろは今週末までと予想されている。',
      'ごみの持ち帰りを呼びかける看板も新たに設置された。',
      '地元の商店街では、桜にちなんだ和菓子の販売も始まった。',
      '一部の古い木には支柱を立てるなどの保護策がとられている。',
    ],
    officials: ['田中 一郎', '森 花子'],
    orgs: ['市の観光課', '桜並木保存会'],
  },
  {
    key: 'train',
    section: '経済',
    titles: ['{place}の新駅、来春開業へ　利用者は1日{m}人を見込む', '{place}に新駅　通勤時間が最大{n}分短縮'],
    summaries: ['{place}で建設中の新駅が来春に開業する見通しとなり、通勤時間の短縮が期待されている。'],
    sentences: [
      '{place}で建設が進む新駅について、鉄道会社は来春に開業する見通しを明らかにした。',
      '新駅の利用者は1日あたり約{m}人を見込んでいる。',
      '開業により、中心部までの通勤時間は最大で{n}分短縮されるという。',
      '{org}の{official}氏は「地域の活性化につなげたい」と述べた。',
      '駅前には駐輪場とバスの乗り場も整備される予定だ。',
      '工事は予定より約{n}か月遅れたが、現在は順調に進んでいる。',
      '周辺では新しい住宅や店舗の建設も始まっている。',
      '一方で、騒音や交通量の増加を心配する住民もいる。',
      '鉄道会社は開業前に地域向けの見学会を開く予定だ。',
      '駅名は公募によって決められ、{m}件を超える応募があった。',
    ],
    officials: ['高橋 誠', '伊藤 直子'],
    orgs: ['鉄道会社', '市の都市計画課'],
  },
  {
    key: 'robot',
    section: '科学',
    titles: ['{place}の高校生、田植えロボットを開発', '高校生が作った田植えロボット、{place}の田んぼで実験'],
    summaries: ['{place}の高校生が小型の田植えロボットを開発し、地元の農家の田んぼで実験を行った。'],
    sentences: [
      '{place}の高校の科学部が、小型の田植えロボットを開発した。',
      'ロボットは長さ約{n}十センチで、苗を一列ずつ正確に植えることができる。',
      '地元の農家の協力を得て、約{m}平方メートルの田んぼで実験を行った。',
      '指導する{official}教諭は「生徒たちが自分で課題を見つけた」と話す。',
      '開発のきっかけは、農家の高齢化と人手不足を知ったことだった。',
      '部品の多くは市販のものを使い、費用を抑えたという。',
      '実験では、ぬかるんだ場所で車輪が空回りする課題も見つかった。',
      '生徒たちは改良を重ね、秋の全国大会への出場を目指している。',
      '{org}も技術面での協力を申し出ている。',
      '農家の男性は「若い人の発想に驚いた」と笑顔を見せた。',
    ],
    officials: ['石川 学', '松本 恵'],
    orgs: ['地元の農業協同組合', '県の農業試験場'],
  },
  {
    key: 'festival',
    section: '文化',
    titles: ['{place}の夏祭り、{n}年ぶりに花火が復活', '{place}で伝統の夏祭り　花火{m}発が夜空を彩る'],
    summaries: ['{place}の夏祭りで、中止が続いていた花火大会が復活し、多くの見物客が集まった。'],
    sentences: [
      '{place}の伝統的な夏祭りで、{n}年ぶりに花火大会が開かれた。',
      '約{m}発の花火が打ち上げられ、夜空を鮮やかに彩った。',
      '祭りを主催する{org}の{official}さんは「待ち望んでいた声に応えられた」と語った。',
      '会場周辺には屋台が並び、浴衣姿の若者や家族連れでにぎわった。',
      '安全対策として、警備員の数を例年の約2倍に増やした。',
      '地元の小学生による太鼓の演奏も披露された。',
      '花火の費用の一部は、地域の企業や住民からの寄付でまかなわれた。',
      '帰りの混雑に備え、臨時のバスが運行された。',
      '主催者は来年以降も開催を続けたい考えだ。',
      '会場の清掃には翌朝、多くのボランティアが参加した。',
    ],
    officials: ['小川 勇', '岡田 さやか'],
    orgs: ['祭り実行委員会', '町の商工会'],
  },
];

export const RU: LangBank = {
  lang: 'ru',
  locale: 'ru_RU',
  places: [
    { name: 'Краснобережье', slug: 'krasnoberezhye', loc: 'Краснобережье', gen: 'Краснобережья' },
    { name: 'Озёрск-на-Волге', slug: 'ozyorsk', loc: 'Озёрске-на-Волге', gen: 'Озёрска-на-Волге' },
    { name: 'Верхняя Слобода', slug: 'verkhnyaya-sloboda', loc: 'Верхней Слободе', gen: 'Верхней Слободы' },
    { name: 'Сосновка', slug: 'sosnovka', loc: 'Сосновке', gen: 'Сосновки' },
    { name: 'Липовый Лог', slug: 'lipovy-log', loc: 'Липовом Логе', gen: 'Липового Лога' },
  ],
  authors: ['Анна Воронцова', 'Дмитрий Соколов', 'Елена Громова', 'Игорь Белов'],
  commenters: ['Волжанин', 'Ольга П.', 'старожил', 'Сергей_74'],
  comments: [
    'Наконец-то, давно ждали.',
    'Хорошо бы узнать, сколько это стоило.',
    'Спасибо за подробный материал.',
    'Посмотрим, что будет через год.',
  ],
  generic: [
    'Подробности обещают сообщить на следующей неделе.',
    'Жители могут задать вопросы на общественных слушаниях в конце месяца.',
    'Похожие проекты обсуждаются и в соседних районах.',
    'В администрации отметили, что будут следить за ситуацией.',
    'Итоги планируется подвести до конца года.',
  ],
  ui: {
    nav: ['Главная', 'Город', 'Экономика', 'Наука', 'Культура', 'Спорт'],
    cookie: 'Мы используем файлы cookie, чтобы сайт работал удобнее.',
    cookieAccept: 'Принять',
    cookieSettings: 'Настройки',
    share: 'Поделиться',
    shareTargets: ['ВКонтакте', 'Телеграм', 'Одноклассники', 'Почта'],
    copyLink: 'Скопировать ссылку',
    newsletterTitle: 'Утренний вестник',
    newsletterText: 'Главные новости региона каждое утро в вашей почте.',
    newsletterButton: 'Подписаться',
    related: 'Читайте также',
    comments: 'Комментарии',
    readMore: 'По теме',
    by: 'Автор:',
    footerLinks: ['О редакции', 'Контакты', 'Исправления', 'Политика конфиденциальности', 'Реклама'],
    search: 'Поиск',
    updateSuffix: 'обновлено',
    homeTitle: 'Последние новости',
  },
};

export const RU_TOPICS: Topic[] = [
  {
    key: 'bridge',
    section: 'Город',
    titles: [
      'В {place_loc} открыли движение по отремонтированному мосту',
      'Мост в {place_loc} снова открыт после ремонта длиной {n5} месяцев',
    ],
    summaries: ['Ремонт моста через реку в {place_loc} завершён, движение автомобилей и автобусов восстановлено.'],
    sentences: [
      'В {place_loc} после ремонта, который длился {n5} месяцев, открыли движение по мосту через реку.',
      'Каждый день по мосту проезжает около {m} автомобилей.',
      '{official} из {org} сообщил, что работы завершили на две недели раньше срока.',
      'Рабочие заменили опоры, покрытие и перила, а также установили новое освещение.',
      'На время ремонта автобусы ходили в объезд, и дорога до центра занимала почти вдвое больше времени.',
      'Теперь маршруты общественного транспорта вернутся к прежней схеме.',
      'Для пешеходов на мосту сделали отдельную дорожку с ограждением.',
      'Часть жителей жалуется, что на подъезде к мосту по-прежнему образуются пробки.',
      'В администрации пообещали изучить работу светофоров на ближайшем перекрёстке.',
      'Гарантия подрядчика на выполненные работы составляет {n5} лет.',
    ],
    officials: ['Виктор Крылов', 'Николай Орлов'],
    orgs: ['городского управления дорог', 'областного министерства транспорта'],
  },
  {
    key: 'harvest',
    section: 'Экономика',
    titles: ['Фермеры {place_gen} собрали рекордный урожай яблок', 'Урожай яблок в {place_loc} вырос на {pct}%'],
    summaries: ['Садоводческие хозяйства {place_gen} собрали на {pct}% больше яблок, чем в прошлом году.'],
    sentences: [
      'Садоводы {place_gen} собрали на {pct}% больше яблок, чем годом ранее.',
      'Общий урожай превысил {m} тонн, сообщили в районном управлении сельского хозяйства.',
      'По словам {official} из {org}, помогла тёплая весна без поздних заморозков.',
      'Часть урожая отправят на переработку для производства сока и пастилы.',
      'Хозяйства столкнулись с нехваткой сезонных работников во время сбора.',
      'Чтобы успеть вовремя, некоторые фермеры привлекали студентов и пенсионеров.',
      'Цены на яблоки на местных рынках уже снизились примерно на {n5} рублей за килограмм.',
      'Новые холодильные склады позволят хранить урожай до весны.',
      'Садоводы планируют заложить ещё несколько гектаров молодых садов.',
      'Эксперты предупреждают, что следующий год может оказаться менее урожайным.',
    ],
    officials: ['Павла Зимина', 'Андрея Лебедева'],
    orgs: ['ассоциации садоводов', 'районного управления сельского хозяйства'],
  },
  {
    key: 'museum',
    section: 'Культура',
    titles: ['Краеведческий музей {place_gen} показал находки археологов', 'В музее {place_gen} открылась выставка находок из раскопок'],
    summaries: ['Краеведческий музей {place_gen} открыл выставку предметов, найденных археологами прошлым летом.'],
    sentences: [
      'В краеведческом музее {place_gen} открылась выставка находок, сделанных археологами прошлым летом.',
      'В экспозицию вошли более {m} предметов, в том числе посуда, украшения и инструменты.',
      'Как рассказал {official} из {org}, некоторым находкам около {n5} сотен лет.',
      'Раскопки проводились на месте старого торгового поселения у реки.',
      'Особое внимание посетителей привлекает хорошо сохранившийся бронзовый браслет.',
      'Для школьников музей подготовил экскурсии и мастер-классы по реставрации.',
      'Часть предметов пока изучается в лаборатории и будет добавлена к выставке позже.',
      'Вход на выставку для детей бесплатный.',
      'Археологи планируют продолжить работы следующим летом.',
      'Выставка продлится до конца сезона.',
    ],
    officials: ['Андрей Голубев', 'Михаил Рябов'],
    orgs: ['областного археологического общества', 'краеведческого музея'],
  },
  {
    key: 'ice',
    section: 'Наука',
    titles: ['Учёные измерили толщину льда на реке у {place_gen}', 'Лёд у {place_gen} оказался на {n5} сантиметров тоньше обычного'],
    summaries: ['Гидрологи проверили ледовую обстановку у {place_gen} и предупредили рыбаков об опасности.'],
    sentences: [
      'Гидрологи измерили толщину льда на реке у {place_gen} и выяснили, что он на {n5} сантиметров тоньше обычного.',
      'Измерения проводились в {m} точках вдоль берега.',
      '{official} из {org} связывает это с тёплой погодой в начале зимы.',
      'Специалисты предупреждают рыбаков, что выходить на лёд пока опасно.',
      'Для измерений использовали новый переносной радар, который не требует бурить лунки.',
      'Данные сравнили с наблюдениями за последние двадцать лет.',
      'Спасатели усилили патрулирование на популярных местах зимней рыбалки.',
      'Результаты измерений будут публиковаться каждую неделю.',
      'Учёные также изучают, как тонкий лёд влияет на жизнь рыбы подо льдом.',
      'Следующий замер запланирован на конец месяца.',
    ],
    officials: ['Олег Фомин', 'Татьяна Кравец'],
    orgs: ['гидрометеорологической службы', 'университетской лаборатории'],
  },
];

export const ES: LangBank = {
  lang: 'es',
  locale: 'es_CL',
  places: [
    { name: 'Puerto Cardón', slug: 'puerto-cardon' },
    { name: 'Valle Ceniza', slug: 'valle-ceniza' },
    { name: 'Santa Brisa', slug: 'santa-brisa' },
    { name: 'Los Arrayanes', slug: 'los-arrayanes' },
  ],
  authors: ['Camila Fuentes', 'Joaquín Herrera', 'Valentina Rojas', 'Matías Soto'],
  commenters: ['vecina_del_puerto', 'R. Muñoz', 'Andrés', 'profe_Carla'],
  comments: ['Muy buena nota, gracias.', 'Ojalá se cumpla esta vez.', 'Faltan datos sobre el costo.', 'Lo vi en persona y es tal cual.'],
  generic: [
    'Las autoridades esperan entregar un nuevo balance la próxima semana.',
    'Los vecinos podrán enviar sus comentarios hasta fin de mes.',
    'Iniciativas similares se han discutido en comunas cercanas.',
    'El municipio indicó que seguirá de cerca la situación.',
    'Los resultados completos se publicarán antes de fin de año.',
  ],
  ui: {
    nav: ['Portada', 'Región', 'Economía', 'Ciencia', 'Cultura', 'Deportes'],
    cookie: 'Usamos cookies para mejorar tu experiencia en nuestro sitio.',
    cookieAccept: 'Aceptar',
    cookieSettings: 'Configurar',
    share: 'Compartir',
    shareTargets: ['Facebook', 'X', 'WhatsApp', 'Correo'],
    copyLink: 'Copiar enlace',
    newsletterTitle: 'El resumen de la mañana',
    newsletterText: 'Las noticias más importantes de la región, cada mañana en tu correo.',
    newsletterButton: 'Suscribirme',
    related: 'Te puede interesar',
    comments: 'Comentarios',
    readMore: 'Lee también',
    by: 'Por',
    footerLinks: ['Quiénes somos', 'Contacto', 'Fe de erratas', 'Privacidad', 'Términos de uso'],
    search: 'Buscar',
    updateSuffix: 'actualización',
    homeTitle: 'Últimas noticias',
  },
};

export const ES_TOPICS: Topic[] = [
  {
    key: 'agua',
    section: 'Región',
    titles: [
      '{place} estrena planta para reutilizar el agua de riego',
      'Nueva planta de tratamiento en {place} ahorrará {pct} por ciento de agua',
    ],
    summaries: ['Una planta de tratamiento inaugurada en {place} permitirá reutilizar aguas grises para regar parques y huertos.'],
    sentences: [
      'El municipio de {place} inauguró una planta que permitirá reutilizar aguas grises para el riego de parques.',
      'Según sus responsables, el consumo de agua potable para riego bajará en torno a un {pct} por ciento.',
      '{official}, de {org}, explicó que la obra tardó {n} meses en construirse.',
      'La planta puede tratar unos {m} litros por hora.',
      'El agua tratada se usará primero en las plazas del centro y en los huertos comunitarios.',
      'Agricultores de la zona pidieron que el sistema se amplíe a sus canales.',
      'La sequía de los últimos años obligó a buscar nuevas fuentes de agua.',
      'El proyecto se financió con fondos regionales y un aporte de los vecinos.',
      'Se harán controles mensuales de calidad del agua.',
      'Escolares de la comuna visitarán la planta como parte de un programa educativo.',
    ],
    officials: ['Rodrigo Pizarro', 'Daniela Vergara'],
    orgs: ['la empresa sanitaria municipal', 'la oficina de medio ambiente'],
  },
  {
    key: 'vino',
    section: 'Economía',
    titles: ['Viñas de {place} adelantan la vendimia por el calor', 'La vendimia en {place} comienza {n} semanas antes'],
    summaries: ['Las viñas de {place} comenzaron la vendimia antes de lo habitual tras un verano especialmente caluroso.'],
    sentences: [
      'Las viñas de {place} comenzaron la vendimia {n} semanas antes de lo habitual.',
      'El calor del verano aceleró la maduración de la uva, explicaron los productores.',
      '{official}, de {org}, estimó que la cosecha superará los {m} kilos por hectárea.',
      'Algunas viñas decidieron cosechar de noche para proteger a los trabajadores del calor.',
      'La falta de mano de obra temporal sigue siendo una preocupación para el sector.',
      'Los enólogos esperan vinos con más grado alcohólico que el año pasado.',
      'Las exportaciones de la zona crecieron un {pct} por ciento el último año.',
      'Varios productores están probando variedades más resistentes a la sequía.',
      'La fiesta de la vendimia se celebrará en la plaza principal a fines de mes.',
      'Los pequeños productores piden apoyo para modernizar sus bodegas.',
    ],
    officials: ['Francisca Lagos', 'Tomás Aravena'],
    orgs: ['la asociación de viñateros', 'la cooperativa vitivinícola'],
  },
  {
    key: 'estrellas',
    section: 'Ciencia',
    titles: ['Observatorio escolar de {place} registra una lluvia de meteoros', 'Estudiantes de {place} cuentan {m} meteoros en una noche'],
    summaries: ['Estudiantes de un liceo de {place} registraron una lluvia de meteoros con el telescopio de su observatorio escolar.'],
    sentences: [
      'Estudiantes de un liceo de {place} registraron una lluvia de meteoros desde su observatorio escolar.',
      'En una sola noche contaron cerca de {m} meteoros.',
      '{official}, profesor de física, destacó que los datos se enviarán a {org}.',
      'El observatorio se construyó hace {n} años con apoyo de la comunidad.',
      'Los cielos despejados de la zona la convierten en un lugar ideal para observar.',
      'Los alumnos usaron cámaras de bajo costo para grabar el cielo toda la noche.',
      'Luego revisaron las imágenes cuadro a cuadro para identificar cada meteoro.',
      'El liceo organizará noches de observación abiertas a los vecinos.',
      'La contaminación lumínica de nuevas luminarias preocupa a los aficionados.',
      'Los estudiantes presentarán su trabajo en una feria científica regional.',
    ],
    officials: ['Ignacio Bravo', 'Paula Carrasco'],
    orgs: ['una red internacional de observación de meteoros', 'la universidad regional'],
  },
  {
    key: 'puerto',
    section: 'Economía',
    titles: ['Pescadores de {place} estrenan un nuevo muelle', 'Nuevo muelle en {place} mejora la descarga de pesca'],
    summaries: ['Los pescadores artesanales de {place} ya usan el nuevo muelle, que reduce los tiempos de descarga.'],
    sentences: [
      'Los pescadores artesanales de {place} comenzaron a usar el nuevo muelle de la caleta.',
      'La obra permite descargar la pesca en la mitad del tiempo, según los dirigentes.',
      '{official}, de {org}, señaló que más de {m} familias dependen de la pesca en la zona.',
      'El muelle cuenta con una grúa eléctrica y una sala de frío.',
      'La construcción tardó {n} meses y se retrasó por los temporales de invierno.',
      'Los pescadores esperan vender directamente a restaurantes de la región.',
      'El municipio instalará también un pequeño mercado junto al muelle.',
      'Algunos vecinos pidieron mejorar el acceso para peatones.',
      'La capitanía de puerto revisará las condiciones de seguridad cada temporada.',
      'Los dirigentes agradecieron el apoyo de la comunidad durante las obras.',
    ],
    officials: ['Luis Araya', 'Marcela Tapia'],
    orgs: ['el sindicato de pescadores', 'la gobernación marítima'],
  },
];
