"""Error pages: every error answers with the Chinese page (error.html), also to htmx."""
from flask import render_template
from flask_wtf.csrf import CSRFError

from ..extensions import db


ERROR_MESSAGES = {
    400: ("请求有误", "提交的内容有误，请返回重试。"),
    403: ("没有权限", "您没有权限查看或操作这个页面。如有疑问，请联系本支部书记。"),
    404: ("页面不存在", "您要找的页面不存在，可能已被删除或地址有误。"),
    405: ("操作方式不对", "请从页面上的按钮进入。"),
    413: ("文件太大", "上传的文件太大，请换一张较小的照片。"),
    429: ("操作太频繁", "操作太频繁，请稍等几分钟再试。"),
    500: ("系统出错了", "系统暂时出错，我们已记录下来。请稍后再试。"),
    503: ("暂时无法访问", "网站正在维护或太忙，请过几分钟再试。"),
}


def configure_errors(app):
    def render_error(code: int, message: str | None = None):
        title, text = ERROR_MESSAGES[code]
        return render_template("error.html", code=code, title=title,
                               message=message or text), code

    for code in ERROR_MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "页面已过期，请刷新页面后重新提交。")

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_error(500)
