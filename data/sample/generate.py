"""Writes the sample data in this folder from the two source articles (see README.md here).

Run it from the project root: ``python data/sample/generate.py``. It is deterministic (a fixed
seed), and a test checks that the committed files are exactly what it writes, so change the
data here, never by hand in the CSV files.

Every figure the articles state is kept exactly; the series around them are synthesized so that
their sums, as of 2024-01-17, are the articles' figures. The 来源 column tells which is which:
文章一 / 文章二 for a value stated in an article, 合成 for a synthesized one, whose 备注 says which
article figure the series adds up to.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240117
A1 = "文章一"   # 《“组团式”帮扶为兴安盟注入“硬实力”》, 岭上兴安, 2024-01-17
A2 = "文章二"   # 《丰台区“组团式”帮扶扎赉特旗，谱京蒙协作新篇》, 2023 年 11 月
SYN = "合成"

QIAN, ZHONG, ZHA, LEAGUE = "152221", "152222", "152223", "152200"

# The office's own settings: the programme's name in titles, the source on the masthead, and the folder of
# the sample's own template (templates/article: the first article, from the data)
OFFICE = [
    ("设置", "值"),
    ("项目名称", "干部人才“组团式”帮扶"),
    ("来源", "兴安盟“组团式”帮扶工作专班"),
    ("模板目录", "templates"),
]

# The domains in the first article's order, with its two-line headings
DOMAINS = [
    ("领域", "标题", "排序"),
    ("教育", "薪火相传育桃李｜教育帮扶托起“振兴之梦”", 1),
    ("医疗", "打造百姓新“医”靠｜医疗帮扶筑牢“健康之本”", 2),
    ("科技", "送技添智助增收｜科技帮扶夯实“富裕之基”", 3),
]

REGIONS = [
    ("代码", "名称", "上级", "级别", "排序"),
    (LEAGUE, "兴安盟", "", "盟", 1),
    (QIAN, "科右前旗", LEAGUE, "旗", 2),
    (ZHONG, "科右中旗", LEAGUE, "旗", 3),
    (ZHA, "扎赉特旗", LEAGUE, "旗", 4),
]

# code, name, domain, kind, unit, per, frequency, region_agg, decimals, record_scope, numerator, denominator, description
INDICATORS = [
    ("edu_principals", "帮扶校长人数", "教育", "存量", "名", "", "年", "", "", "", "", "", "中组部选派到受援学校任职的校长（年末在岗）"),
    ("edu_staff", "帮扶中层管理人员和教师人数", "教育", "存量", "名", "", "年", "", "", "", "", "", "年末在岗"),
    ("edu_high_schools", "受援普通高中数", "教育", "存量", "所", "", "年", "", "", "", "", "", ""),
    ("edu_voc_schools", "受援中等职业学校数", "教育", "存量", "所", "", "年", "", "", "", "", "", ""),
    ("edu_tier1", "高考一本上线人数", "教育", "流量", "人", "", "年", "", "", "", "", "", "受援普通高中当年高考一本上线人数"),
    ("edu_voc_graduates", "中职毕业生人数", "教育", "流量", "人", "", "年", "", "", "", "", "", "受援中等职业学校当年毕业生"),
    ("edu_voc_employed", "中职毕业生就业人数", "教育", "流量", "人", "", "年", "", "", "", "", "", ""),
    ("edu_voc_employment_rate", "中职毕业生就业率", "教育", "比率", "%", "", "年", "比值", "2", "", "edu_voc_employed", "edu_voc_graduates", "就业人数÷毕业生人数"),
    ("edu_equipment_value", "受赠教学设备价值", "教育", "流量", "元", "", "年", "", "", "", "", "", ""),
    ("edu_paired_schools", "结对帮扶学校数", "教育", "存量", "所", "", "年", "", "", "", "", "", "与北京名校结对的学校（年末）"),
    ("edu_trainings", "教师培训场次", "教育", "流量", "场", "", "月", "", "", "", "", "", "线上线下培训"),
    ("edu_trainees", "受益教师人次", "教育", "流量", "人次", "", "月", "", "", "", "", "", ""),
    ("edu_beijing_placements", "赴京跟岗学习培训教师人数", "教育", "流量", "名", "", "月", "", "", "", "", "", ""),
    ("edu_online_showcases", "京蒙线上联合教研展示次数", "教育", "流量", "次", "", "年", "", "", "", "", "", ""),
    ("edu_online_research", "学科线上常态教研次数", "教育", "流量", "次", "", "年", "", "", "", "", "", ""),
    ("med_patients", "诊疗患者人次", "医疗", "流量", "人次", "", "周", "", "", "", "", "", "帮扶医疗专家诊疗患者"),
    ("med_surgery_teaching", "手术示教例数", "医疗", "流量", "例", "", "周", "", "", "", "", "", ""),
    ("med_lectures", "培训讲座次数", "医疗", "流量", "次", "", "周", "", "", "", "", "", "各类培训讲座"),
    ("med_consultations", "会诊义诊人次", "医疗", "流量", "人次", "", "周", "", "", "", "", "", "各类会诊、走访基层义诊会诊"),
    ("med_doctors", "帮扶医生人数", "医疗", "存量", "名", "", "年", "", "", "", "", "", "年末在岗"),
    ("med_new_items", "新技术新项目和管理制度数", "医疗", "流量", "项", "", "月", "", "", "", "", "", "增加诊疗新技术新项目、优化完善各类质量管理制度"),
    ("med_new_projects", "实施新项目数", "医疗", "流量", "项", "", "月", "", "", "", "", "", ""),
    ("med_young_doctors", "培养青年骨干医师人数", "医疗", "流量", "名", "", "月", "", "", "", "", "", ""),
    ("med_departments", "培养骨干医师科室数", "医疗", "存量", "个", "", "年", "", "", "", "", "", ""),
    ("med_surgeries", "开展手术例数", "医疗", "流量", "例", "", "月", "", "", "", "", "", "帮扶专家主刀或指导完成"),
    ("med_case_discussions", "疑难病例讨论例数", "医疗", "流量", "例", "", "月", "", "", "", "", "", ""),
    ("med_consult_sessions", "会诊次数", "医疗", "流量", "次", "", "月", "", "", "", "", "", ""),
    ("med_beneficiaries", "惠及群众人次", "医疗", "流量", "人次", "", "月", "", "", "", "", "", ""),
    ("med_new_departments", "新开设科室数", "医疗", "流量", "个", "", "年", "", "", "", "", "", ""),
    ("med_township_trainings", "乡镇卫生院培训次数", "医疗", "流量", "次", "", "月", "", "", "", "", "", ""),
    ("med_township_trainees", "培训卫生院医师及村医人次", "医疗", "流量", "人次", "", "月", "", "", "", "", "", ""),
    ("tech_teams", "科技特派团数", "科技", "存量", "个", "", "年", "", "", "", "", "", ""),
    ("tech_envoys", "科技特派员人数", "科技", "存量", "名", "", "年", "", "", "", "", "", ""),
    ("tech_industry_groups", "产业小组数", "科技", "存量", "个", "", "年", "", "", "", "", "", "水稻、甜菜、牧草、肉牛牦牛、肉羊、绒毛用羊"),
    ("tech_local_technicians", "培育本土技术人员人数", "科技", "流量", "名", "", "月", "", "", "", "", "", ""),
    ("tech_trainings", "培训和现场指导次数", "科技", "流量", "次", "", "月", "", "", "", "", "", "线上、线下培训和现场指导"),
    ("tech_farmers_trained", "培训农牧民人数", "科技", "流量", "名", "", "月", "", "", "", "", "", ""),
    ("tech_technologies", "推广新技术数", "科技", "流量", "项", "", "月", "", "", "", "", "", ""),
    ("tech_varieties", "引进改良新品种数", "科技", "流量", "个", "", "月", "", "", "", "", "", ""),
    ("tech_demo_bases", "科技示范基地数", "科技", "流量", "个", "", "月", "", "", "", "", "", "指导建立"),
    ("tech_enterprise_income", "带动企业增收", "科技", "流量", "元", "", "月", "", "", "", "", "", ""),
    ("tech_social_income", "带动全社会增收", "科技", "流量", "元", "", "月", "", "", "", "", "", ""),
    ("tech_cattle_stock", "肉牛存栏量", "科技", "存量", "头", "", "年", "", "", "", "", "", "年末"),
    ("tech_cattle_farms", "肉牛养殖户数", "科技", "存量", "户", "", "年", "", "", "", "", "", "年末"),
    ("tech_cattle_coops", "肉牛养殖合作社数", "科技", "存量", "家", "", "年", "", "", "", "", "", "年末"),
    ("tech_rice_yield", "水稻亩产量", "科技", "单位水平", "公斤", "亩", "年", "最大", "1", "全区", "", "", "测产最高亩产"),
    ("tech_soybean_yield", "大豆亩产量", "科技", "单位水平", "公斤", "亩", "年", "最大", "1", "全区", "", "", "测产最高亩产"),
    ("tech_straw_demo_yield", "秸秆还田示范田平均亩产", "科技", "单位水平", "公斤", "亩", "年", "", "1", "", "", "", "寒地水稻秸秆全量原位还田技术示范"),
    ("tech_straw_control_yield", "秸秆还田对照田平均亩产", "科技", "单位水平", "公斤", "亩", "年", "", "1", "", "", "", "示范的对照基线"),
    ("tech_straw_demo_area", "秸秆还田示范面积", "科技", "存量", "亩", "", "年", "", "", "", "", "", ""),
]

# The periods the synthesized series cover: from the start of the program (2022-07) to 2024-01.
# Figures recorded up to 2024-01-17 add up to the articles' totals; later ones lie beyond them.
FIRST_WEEK, LAST_WEEK_BY_ARTICLE, LAST_WEEK = date(2022, 7, 4), date(2024, 1, 8), date(2024, 1, 22)
MONTHS = [(2022, m) for m in range(7, 13)] + [(2023, m) for m in range(1, 13)]
AFTER_MONTHS = [(2024, 1)]

# Weekly flows: region -> total as of 2024-01-17 (weeks 2022-W27 .. 2024-W02).
WEEKLY = {
    "med_patients": ({ZHA: 15207, QIAN: 2310, ZHONG: 2015}, "三旗累计诊疗19532人次（文章一）；扎赉特旗累计15207人次（文章二）"),
    "med_surgery_teaching": ({ZHA: 89, QIAN: 58, ZHONG: 50}, "三旗累计手术示教197例（文章一）"),
    "med_lectures": ({ZHA: 380, QIAN: 290, ZHONG: 260}, "三旗累计培训讲座930次（文章一）"),
    "med_consultations": ({ZHA: 420, QIAN: 318, ZHONG: 278}, "三旗累计会诊义诊1016人次（文章一）"),
}

# Monthly flows: region -> total as of 2024-01-17 (months 2022-07 .. 2023-12); scale = smallest step.
MONTHLY = {
    "edu_trainings": ({ZHA: 86}, 1, "扎赉特旗线上线下培训86场（文章二）"),
    "edu_trainees": ({ZHA: 3216}, 1, "扎赉特旗受益教师3210余人（文章二）"),
    "edu_beijing_placements": ({ZHA: 102}, 1, "扎赉特旗累计选派102名教师赴京跟岗（文章二）"),
    "med_new_items": ({ZHA: 21, QIAN: 18, ZHONG: 16}, 1, "三旗共计55项（文章一）"),
    "med_new_projects": ({ZHA: 13}, 1, "扎赉特旗实施10余项新项目（文章二）"),
    "med_young_doctors": ({ZHA: 52, QIAN: 53, ZHONG: 48}, 1, "三旗共培养青年骨干医师153名（文章一）"),
    "med_surgeries": ({ZHA: 71}, 1, "扎赉特旗共开展手术71例（文章二）"),
    "med_case_discussions": ({ZHA: 527}, 1, "扎赉特旗疑难病例讨论527例（文章二）"),
    "med_consult_sessions": ({ZHA: 363}, 1, "扎赉特旗会诊363次（文章二）"),
    "med_beneficiaries": ({ZHA: 9860}, 1, "扎赉特旗惠及群众近万人次（文章二）"),
    "med_township_trainings": ({ZHA: 1}, 1, "扎赉特旗乡镇卫生院培训1次（文章二）"),
    "med_township_trainees": ({ZHA: 15}, 1, "培训卫生院医师及村医15人次（文章二）"),
    "tech_local_technicians": ({ZHA: 29, QIAN: 13, ZHONG: 11}, 1, "三旗50多名（文章一）；扎赉特旗29名（文章二）"),
    "tech_trainings": ({ZHA: 109, QIAN: 221, ZHONG: 208}, 1, "三旗500多次（文章一）；扎赉特旗109次（文章二）"),
    "tech_farmers_trained": ({ZHA: 5736, QIAN: 51820, ZHONG: 46794}, 1, "三旗10万余名（文章一）；扎赉特旗5700余名（文章二）"),
    "tech_technologies": ({ZHA: 8, QIAN: 14, ZHONG: 12}, 1, "三旗30多项（文章一）；扎赉特旗8项（文章二）"),
    "tech_varieties": ({ZHA: 57, QIAN: 3, ZHONG: 3}, 1, "三旗60多个（文章一）；扎赉特旗57个（文章二）"),
    "tech_demo_bases": ({ZHA: 11, QIAN: 2, ZHONG: 2}, 1, "三旗15个（文章一）；扎赉特旗11个（文章二）"),
    "tech_enterprise_income": ({ZHA: 5_000_000, QIAN: 52_000_000, ZHONG: 43_000_000}, 10_000,
                               "三旗1亿元（文章一）；扎赉特旗500万元（文章二）"),
    "tech_social_income": ({ZHA: 10_200_000, QIAN: 268_000_000, ZHONG: 234_300_000}, 10_000,
                           "三旗5亿元以上（文章一）；扎赉特旗1000万元以上（文章二）"),
}

# Yearly figures: (indicator, region, year, value, source, note, recorded on)
YEARLY = [
    ("edu_principals", QIAN, 2022, 2, SYN, "三旗共6名（文章一）", None),
    ("edu_principals", ZHONG, 2022, 2, SYN, "三旗共6名（文章一）", None),
    ("edu_principals", ZHA, 2022, 2, SYN, "三旗共6名（文章一）", None),
    ("edu_principals", QIAN, 2023, 2, SYN, "三旗共6名（文章一）", None),
    ("edu_principals", ZHONG, 2023, 2, SYN, "三旗共6名（文章一）", None),
    ("edu_principals", ZHA, 2023, 2, SYN, "三旗共6名（文章一）", None),
    ("edu_staff", QIAN, 2022, 19, SYN, "", None),
    ("edu_staff", ZHONG, 2022, 17, SYN, "", None),
    ("edu_staff", ZHA, 2022, 15, SYN, "", None),
    ("edu_staff", QIAN, 2023, 21, SYN, "三旗共57名（文章一）", None),
    ("edu_staff", ZHONG, 2023, 19, SYN, "三旗共57名（文章一）", None),
    ("edu_staff", ZHA, 2023, 17, SYN, "三旗共57名（文章一）", None),
    *[("edu_high_schools", r, y, 1, A1, "3所普通高中", None) for y in (2022, 2023) for r in (QIAN, ZHONG, ZHA)],
    *[("edu_voc_schools", r, y, 1, A1, "3所中等职业学校", None) for y in (2022, 2023) for r in (QIAN, ZHONG, ZHA)],
    ("edu_tier1", QIAN, 2022, 38, SYN, "科右前旗第二中学", "2022-06-26T10:00"),
    ("edu_tier1", QIAN, 2023, 47, SYN, "科右前旗第二中学；比上年增加9人（文章一）", "2023-06-26T10:00"),
    ("edu_tier1", ZHONG, 2022, 31, SYN, "巴彦呼舒第三中学", "2022-06-26T10:00"),
    ("edu_tier1", ZHONG, 2023, 35, SYN, "巴彦呼舒第三中学", "2023-06-26T10:00"),
    ("edu_tier1", ZHA, 2022, 0, SYN, "音德尔第三中学2022年尚无毕业年级", "2022-06-26T10:00"),
    ("edu_tier1", ZHA, 2023, 42, SYN, "音德尔第三中学首届高考", "2023-06-26T10:00"),
    ("edu_voc_graduates", QIAN, 2022, 128, SYN, "", "2022-09-15T10:00"),
    ("edu_voc_graduates", ZHONG, 2022, 117, SYN, "", "2022-09-15T10:00"),
    ("edu_voc_graduates", ZHA, 2022, 125, SYN, "", "2022-09-15T10:00"),
    ("edu_voc_employed", QIAN, 2022, 125, SYN, "", "2022-09-15T10:00"),
    ("edu_voc_employed", ZHONG, 2022, 114, SYN, "", "2022-09-15T10:00"),
    ("edu_voc_employed", ZHA, 2022, 123, SYN, "", "2022-09-15T10:00"),
    ("edu_voc_graduates", QIAN, 2023, 142, SYN, "三所中职就业率99.25%（文章一）", "2023-09-15T10:00"),
    ("edu_voc_graduates", ZHONG, 2023, 119, SYN, "三所中职就业率99.25%（文章一）", "2023-09-15T10:00"),
    ("edu_voc_graduates", ZHA, 2023, 139, SYN, "三所中职就业率99.25%（文章一）", "2023-09-15T10:00"),
    ("edu_voc_employed", QIAN, 2023, 141, SYN, "三所中职就业率99.25%（文章一）", "2023-09-15T10:00"),
    ("edu_voc_employed", ZHONG, 2023, 118, SYN, "三所中职就业率99.25%（文章一）", "2023-09-15T10:00"),
    ("edu_voc_employed", ZHA, 2023, 138, SYN, "三所中职就业率99.25%（文章一）", "2023-09-15T10:00"),
    ("edu_equipment_value", ZHONG, 2022, 1_100_000, A1, "巴彦呼舒第三中学获赠", None),
    ("edu_paired_schools", ZHA, 2022, 12, SYN, "", None),
    ("edu_paired_schools", ZHA, 2023, 18, A2, "", None),
    ("edu_online_showcases", ZHA, 2023, 9, A2, "京蒙教育协作智慧平台", None),
    ("edu_online_research", ZHA, 2023, 21, A2, "", None),
    ("med_doctors", QIAN, 2022, 5, SYN, "三旗共15名（文章一）", None),
    ("med_doctors", ZHONG, 2022, 5, SYN, "三旗共15名（文章一）", None),
    ("med_doctors", ZHA, 2022, 5, A2, "北京丰台医院选派5名专家", None),
    ("med_doctors", QIAN, 2023, 5, SYN, "三旗共15名（文章一）", None),
    ("med_doctors", ZHONG, 2023, 5, SYN, "三旗共15名（文章一）", None),
    ("med_doctors", ZHA, 2023, 5, A2, "北京丰台医院选派5名专家", None),
    ("med_departments", QIAN, 2023, 5, SYN, "三旗共15个科室（文章一）", None),
    ("med_departments", ZHONG, 2023, 5, SYN, "三旗共15个科室（文章一）", None),
    ("med_departments", ZHA, 2023, 5, SYN, "三旗共15个科室（文章一）", None),
    ("med_new_departments", ZHA, 2022, 1, SYN, "呼吸科", None),
    ("med_new_departments", ZHA, 2023, 3, SYN, "中医康复科、介入科、急症监护病房；共4个（文章二）", None),
    *[("tech_teams", r, y, 1, A1, "3个科技特派团", None) for y in (2022, 2023) for r in (QIAN, ZHONG, ZHA)],
    ("tech_envoys", QIAN, 2022, 20, SYN, "三旗共58名（文章一）", None),
    ("tech_envoys", ZHONG, 2022, 19, SYN, "三旗共58名（文章一）", None),
    ("tech_envoys", ZHA, 2022, 19, SYN, "三旗共58名（文章一）", None),
    ("tech_envoys", QIAN, 2023, 20, SYN, "", None),
    ("tech_envoys", ZHONG, 2023, 19, SYN, "", None),
    ("tech_envoys", ZHA, 2023, 19, SYN, "", None),
    ("tech_industry_groups", LEAGUE, 2022, 6, A1, "按专业成立，盟级统计", None),
    ("tech_industry_groups", LEAGUE, 2023, 6, A1, "按专业成立，盟级统计", None),
    ("tech_cattle_stock", ZHONG, 2022, 462_000, SYN, "", None),
    ("tech_cattle_stock", ZHONG, 2023, 500_000, A1, "全旗肉牛存栏量达50万头", None),
    ("tech_cattle_farms", ZHONG, 2022, 28_600, SYN, "", None),
    ("tech_cattle_farms", ZHONG, 2023, 30_000, A1, "", None),
    ("tech_cattle_coops", ZHONG, 2022, 372, SYN, "", None),
    ("tech_cattle_coops", ZHONG, 2023, 400, A1, "", None),
    ("tech_rice_yield", ZHA, 2022, 745.3, SYN, "上一项全区纪录，由扎赉特旗创造", "2022-10-20T10:00"),
    ("tech_rice_yield", ZHA, 2023, 761.5, A1, "再次刷新全区水稻亩产纪录", "2023-10-20T10:00"),
    ("tech_soybean_yield", ZHA, 2022, 288.6, SYN, "", "2022-10-20T10:00"),
    ("tech_soybean_yield", ZHA, 2023, 316.8, A1, "破全区纪录", "2023-10-20T10:00"),
    ("tech_straw_demo_yield", ZHA, 2023, 608.9, A2, "平均亩产608.9公斤", "2023-10-25T10:00"),
    ("tech_straw_control_yield", ZHA, 2023, 550.0, SYN, "由“亩增产58.9公斤”（文章二）倒推", "2023-10-25T10:00"),
    ("tech_straw_demo_area", ZHA, 2023, 3260, SYN, "3000多亩（文章二）", "2023-10-25T10:00"),
]

RECORDS = [
    ("指标", "范围", "数值", "期间", "保持者", "来源", "备注"),
    ("tech_rice_yield", "全区", "732.6", "2021", "扎赉特旗", SYN, "此前的全区纪录"),
    ("tech_soybean_yield", "全区", "301.2", "2021", "其他盟市", SYN, "此前的全区纪录，不在兴安盟"),
]

HIGHLIGHTS = [
    ("日期", "地区", "领域", "内容", "来源"),
    ("2022-09-06", ZHONG, "教育", "科右中旗巴彦呼舒第三中学纳入北京一零一中教育集团，线上共用优质教学资源，并获赠价值110万元的教学设备", A1),
    ("2022-10-12", QIAN, "教育", "科右前旗第二中学募集资金设立“奖教金”“奖学金”", A1),
    ("2023-03-15", ZHA, "教育", "音德尔第三中学先后派出26位干部教师到北京十二中交流跟岗，邀请北京十二中特级教师、教研组长10人来校指导", A2),
    ("2023-06-25", ZHA, "教育", "音德尔第三中学首届高考考生取得兴安盟旗县理科最高分，实现全员本科", A2),
    ("2023-11-20", ZHA, "教育", "扎赉特旗中等职业学校教师参加2023年内蒙古自治区中等职业学校教师技能大赛，创造建校以来教师参加区赛的历史纪录", A2),
    ("2023-04-18", ZHA, "医疗", "扎赉特旗人民医院开展首例输尿管软镜下钬激光碎石取石术，填补扎赉特旗这一技术空白", A2),
    ("2023-05-09", ZHA, "医疗", "扎赉特旗人民医院新开设中医康复科、介入科和急症监护病房", A2),
    ("2023-07-04", QIAN, "医疗", "科右前旗人民医院成功实施关节镜下锁骨远端切除术、关节镜辅助下胫骨平台骨折内固定术", A1),
    ("2023-08-22", ZHONG, "医疗", "科右中旗人民医院开展腹腔镜下胃穿孔修补术、产后出血水囊压迫止血术等新诊治技术", A1),
    ("2024-01-09", ZHA, "医疗", "扎赉特旗人民医院完成一例七旬患者肾囊肿微创手术，术后当天即可下地活动", A2),
    ("2023-10-16", ZHA, "科技", "扎赉特旗水稻亩产量达761.5公斤，再次刷新全区水稻亩产纪录", A1),
    ("2023-10-16", ZHA, "科技", "扎赉特旗大豆亩产量达到316.8公斤，破全区纪录", A1),
    ("2023-09-12", ZHA, "科技", "“扎赉特旗优势产业关键技术研发与示范”项目入选部省联动项目", A2),
    ("2023-06-08", ZHONG, "科技", "科技特派团为肉牛养殖户提供优质冻精，示范肉牛种源选配、规模化育肥与精深加工一体化技术模式", A1),
]

CORRECTIONS = [
    ("指标", "地区", "期间", "数值", "来源", "备注", "录入时间"),
    ("med_patients", "扎赉特旗", "2024-W01", None, "合成", "补录漏报的6人次（2024-01-19更正）", "2024-01-19T16:30"),
]


def allocate(total: int, weights: list[float], step: int = 1) -> list[int]:
    """Integers, multiples of step, that add up to total in proportion to weights (largest remainder)."""
    units = total // step
    raw = [w / sum(weights) * units for w in weights]
    whole = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - whole[i], reverse=True)
    for i in order[: units - sum(whole)]:
        whole[i] += 1
    return [w * step for w in whole]


def season(day: date, rng: random.Random) -> float:
    """A plausible load: a slow start, a dip at the Spring Festival and in midsummer, noise."""
    weight = 1.0
    if day < FIRST_WEEK + timedelta(weeks=6):
        weight *= 0.55
    if date(2023, 1, 16) <= day <= date(2023, 2, 5):
        weight *= 0.35
    if day.month in (7, 8):
        weight *= 0.85
    return weight * rng.uniform(0.8, 1.2)


def weeks(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day += timedelta(weeks=1)
    return out


def week_key(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_rows(rng: random.Random) -> list[tuple]:
    rows = []
    counted, after = weeks(FIRST_WEEK, LAST_WEEK_BY_ARTICLE), weeks(LAST_WEEK_BY_ARTICLE + timedelta(weeks=1), LAST_WEEK)
    for code, (totals, note) in WEEKLY.items():
        for region, total in totals.items():
            weights = [season(d, rng) for d in counted]
            values = allocate(total, weights)
            mean = total / len(counted)
            values += [round(mean * rng.uniform(0.8, 1.2)) for _ in after]
            for monday, value in zip(counted + after, values):
                recorded = f"{monday + timedelta(days=7)}T09:00"
                rows.append((code, region, week_key(monday), value, SYN,
                             note if monday in counted else "2024-01-17之后录入，不在文章数字内", recorded))
    return rows


def monthly_rows(rng: random.Random) -> list[tuple]:
    rows = []
    for code, (totals, step, note) in MONTHLY.items():
        for region, total in totals.items():
            weights = [season(date(y, m, 15), rng) for y, m in MONTHS]
            values = allocate(total, weights, step)
            mean = total / len(MONTHS)
            values += [round(mean * rng.uniform(0.6, 1.0) / step) * step for _ in AFTER_MONTHS]
            for (y, m), value in zip(MONTHS + AFTER_MONTHS, values):
                recorded = f"{date(y + (m == 12), m % 12 + 1, 3)}T10:00"
                counted = (y, m) in MONTHS
                rows.append((code, region, f"{y}-{m:02d}", value, SYN,
                             note if counted else "2024-01-17之后录入，不在文章数字内", recorded))
    return rows


def yearly_rows() -> list[tuple]:
    rows = []
    for code, region, year, value, source, note, recorded in YEARLY:
        rows.append((code, region, str(year), value, source, note, recorded or f"{year + 1}-01-10T10:00"))
    return rows


def write(name: str, rows: list[tuple]) -> None:
    with (HERE / name).open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    names = {QIAN: "科右前旗", ZHONG: "科右中旗", ZHA: "扎赉特旗", LEAGUE: "兴安盟"}
    header = ("指标", "地区", "期间", "数值", "来源", "备注", "录入时间")
    figures = weekly_rows(rng) + monthly_rows(rng) + yearly_rows()
    observations = [header] + [(c, names[r], p, v, s, n, t) for c, r, p, v, s, n, t in figures]
    write("office.csv", OFFICE)
    write("regions.csv", REGIONS)
    write("domains.csv", DOMAINS)
    write("indicators.csv", [("代码", "名称", "领域", "类型", "单位", "每", "频率", "地区汇总", "小数位", "纪录范围",
                              "分子", "分母", "说明", "排序")]
          + [(*row, n) for n, row in enumerate(INDICATORS, start=1)])
    write("observations.csv", observations)
    write("highlights.csv", [HIGHLIGHTS[0]] + [(d, names[r], *rest) for d, r, *rest in HIGHLIGHTS[1:]])
    write("records.csv", RECORDS)
    jan = next(v for c, r, p, v, *_ in figures if (c, r, p) == ("med_patients", ZHA, "2024-W01"))
    write("corrections.csv", [CORRECTIONS[0], (*CORRECTIONS[1][:3], jan + 6, *CORRECTIONS[1][4:])])


if __name__ == "__main__":
    main()
