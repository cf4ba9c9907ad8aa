"""Chinese (Simplified) translations for locale/zh_Hans, applied with polib.

Run after `manage.py makemessages -l zh_Hans`: `python tools/zh_hans.py && manage.py compilemessages`.
Kept as data here so a reviewer can read every string in one place.
"""

from pathlib import Path

import polib

ZH = {
    "Choose a time zone such as Asia/Shanghai or America/New_York.": "请选择时区，例如 Asia/Shanghai 或 America/New_York。",
    "Full name": "姓名",
    "Email": "电子邮箱",
    "Password": "密码",
    "At least 10 characters.": "至少 10 个字符。",
    "Your time zone": "您的时区",
    "Language": "语言",
    "Legal aid group (optional)": "法律援助对象类别（可选）",
    "An account with this email already exists.": "该邮箱已注册账户。",
    "Too many failed sign-ins. Try again in 15 minutes.": "登录失败次数过多，请 15 分钟后再试。",
    "Email or password is wrong.": "邮箱或密码错误。",
    "Legal aid group": "法律援助对象类别",
    "If you belong to one of these groups, legal aid services are free.": "如果您属于以下类别之一，法律援助服务免费。",
    "Choose a time from the list.": "请从列表中选择时间。",
    "Sign in": "登录",
    "Forgot your password?": "忘记密码？",
    "Create an account": "创建账户",
    "Preferences": "偏好设置",
    "Saved.": "已保存。",
    "Save": "保存",
    "Create account": "注册",
    "Your browser says:": "您的浏览器显示：",
    "Already have an account?": "已有账户？",
    "Skip to content": "跳到正文",
    "Main": "主导航",
    "Lawyers": "律师",
    "Notaries": "公证员",
    "My appointments": "我的预约",
    "Sign out": "退出",
    "Change": "切换",
    "Larger text": "放大文字",
    "Times on this site are shown in this time zone": "本站时间均按此时区显示",
    "Time zone": "时区",
    "Home": "首页",
    "Legal help and notarization, at a distance": "远程法律服务与公证",
    "Meet a lawyer or a notary by video, wherever you live. Times are shown in your own time zone.": "无论身在何处，都可以通过视频与律师或公证员会面。所有时间均按您所在的时区显示。",
    "Legal consultation": "法律咨询",
    "Free consultation and legal aid for the elderly, people with disabilities, migrant workers, minors, veterans "
    "and low-income families": "为老年人、残疾人、农民工、未成年人、退役军人和低收入家庭提供免费咨询与法律援助",
    "Remote notarization": "远程公证",
    "Powers of attorney, declarations, consents and certified copies by video": "通过视频办理委托书、声明书、同意书及副本公证",
    "API documentation": "API 文档",
    "Password changed": "密码已修改",
    "Choose a new password": "设置新密码",
    "Save the new password": "保存新密码",
    "This link is no longer valid. Ask for a new one.": "此链接已失效，请重新申请。",
    "Check your email": "请查收邮件",
    "If an account uses this address, a link to reset the password is on its way.": "如果该邮箱已注册，重置密码的链接已发送。",
    "Reset your password": "重置密码",
    "Enter your email address and we will send you a link to choose a new password.": "请输入您的邮箱，我们将发送设置新密码的链接。",
    "Send the link": "发送链接",
    "Provider's time": "服务方当地时间",
    "Appointment": "预约",
    "Booked. A calendar invitation is on its way to your email.": "预约成功，日历邀请已发送到您的邮箱。",
    "When": "时间",
    "With": "服务方",
    "Client": "当事人",
    "Status": "状态",
    "Join the video room": "进入视频室",
    "Add to calendar (.ics)": "添加到日历（.ics）",
    "Reschedule": "改期",
    "Reason for cancelling (optional)": "取消原因（可选）",
    "Cancel this appointment": "取消此预约",
    "All my appointments": "我的全部预约",
    "Not booked": "未能预约",
    "That did not work": "操作未成功",
    "Choose another time": "选择其他时间",
    "Back to my appointments": "返回我的预约",
    "Upcoming": "即将进行",
    "Details, join, reschedule or cancel": "详情、进入、改期或取消",
    "Nothing booked yet.": "暂无预约。",
    "Find a lawyer or notary": "查找律师或公证员",
    "Past and cancelled": "已结束和已取消",
    "Works in": "工作时区",
    "Choose a new time for your appointment. The old time is released when you confirm.": "请为您的预约选择新时间，确认后原时间将被释放。",
    "Service": "服务",
    "min": "分钟",
    "Show times in": "时间显示时区",
    "Show": "显示",
    "Fee": "费用",
    "free for legal-aid groups": "法律援助对象免费",
    "Free of charge": "免费",
    "Open times, shown in %(zone)s": "可预约时间（按 %(zone)s 显示）",
    "The second time under each slot is the provider's local time (%(zone)s).": "每个时段下方的第二个时间是服务方当地时间（%(zone)s）。",
    "Weeks": "周",
    "Previous week": "上一周",
    "Next week": "下一周",
    "No open times": "无可预约时间",
    "Sign in to book a time.": "登录后即可预约。",
    "This provider has no bookable services yet.": "该服务方暂无可预约的服务。",
    "Find a notary": "查找公证员",
    "Find a lawyer": "查找律师",
    "Kind": "类别",
    "All": "全部",
    "Lawyer": "律师",
    "Notary": "公证员",
    "Any": "不限",
    "Practice area": "业务领域",
    "Free under legal aid": "法律援助免费",
    "Search": "搜索",
    "Languages": "语言",
    "Areas": "领域",
    "No one matches these filters.": "没有符合条件的结果。",
    "Staff": "工作人员",
    "None": "无",
    "Elderly": "老年人",
    "Person with a disability": "残疾人",
    "Minor": "未成年人",
    "Migrant worker": "农民工",
    "Veteran": "退役军人",
    "Low-income family": "低收入家庭",
    "Legal aid centre": "法律援助中心",
    "Law firm": "律师事务所",
    "Notary office": "公证处",
    "Host site (mission or visa centre)": "驻外使领馆或签证中心",
    "D j M": "n月j日 D",
    "l j F Y, H:i": "Y年n月j日 l H:i",
    "Dashboard": "工作台",
    "Times in": "时间按",
    "Working hours and days off": "工作时间与休息日",
    "Today": "今天",
    "Client's zone": "当事人时区",
    "Open": "打开",
    "No sessions today.": "今天没有会面。",
    "Every week": "每周",
    "Day": "星期",
    "From": "开始",
    "To": "结束",
    "Remove": "删除",
    "An end at or before the start runs past midnight.": "结束时间早于或等于开始时间表示跨越午夜。",
    "Days off and special hours": "休息日与特殊时间",
    "Date": "日期",
    "That day": "当天",
    "Closed": "休息",
    "Open these hours": "按以下时间开放",
    "An open day needs its hours.": "开放日需要填写时间。",
    "Preview: open slots for %(name)s in the next 7 days (%(zone)s)": "预览：未来 7 天 %(name)s 的可预约时段（%(zone)s）",
    "Monday": "星期一",
    "Tuesday": "星期二",
    "Wednesday": "星期三",
    "Thursday": "星期四",
    "Friday": "星期五",
    "Saturday": "星期六",
    "Sunday": "星期日",
    "Choose a service.": "请选择服务。",
    "Notes": "备注",
    "Not found": "未找到",
    "This page does not exist, or it is not yours to see.": "该页面不存在，或您无权查看。",
    "Not allowed": "不允许",
    "You may not do this. If you were filling in a form, reload the page and try again.": "您无权执行此操作。如果您正在填写表单，请刷新页面后重试。",
    "Confirmed": "已确认",
    "Cancelled": "已取消",
    "Completed": "已完成",
}
PLURALS = {"%(counter)s result": {0: "%(counter)s 个结果"}}


def main() -> None:
    path = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    missing = []
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = PLURALS.get(entry.msgid, {0: ""})
        elif entry.msgid in ZH:
            entry.msgstr = ZH[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        if not (entry.msgstr or entry.msgstr_plural.get(0)):
            missing.append(entry.msgid)
    po.save()
    for msgid in missing:
        print("untranslated:", msgid)


if __name__ == "__main__":
    main()
