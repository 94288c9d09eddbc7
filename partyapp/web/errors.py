"""Error pages: every error answers with the Chinese page (error.html), also to htmx."""
from flask import make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from ..extensions import db, is_busy_error


ERROR_MESSAGES = {
    400: ("请求有误", "提交的内容有误，请返回重试。"),
    403: ("没有权限", "您没有权限查看或操作这个页面。如有疑问，请联系本支部书记。"),
    404: ("页面不存在", "您要找的页面不存在，可能已被删除或地址有误。"),
    405: ("操作方式不对", "请从页面上的按钮进入。"),
    413: ("文件太大", "上传的文件太大，请换一张较小的照片。"),
    429: ("操作太频繁", "操作太频繁，请稍等几分钟再试。"),
    500: ("系统出错了", "系统暂时出错，我们已记录下来。请稍后再试。"),
    503: ("系统正忙", "系统正忙，刚才的操作没有保存，请稍等几秒再试一次。"),
}


def configure_errors(app):
    def render_error(code: int, message: str | None = None):
        title, text = ERROR_MESSAGES[code]
        response = make_response(render_template("error.html", code=code, title=title,
                                                 message=message or text), code)
        if request.headers.get("HX-Request"):
            # htmx would leave the page as it was (a tap that does nothing): show the
            # message in place of the page, without pushing the failed URL into history.
            response.headers["HX-Retarget"] = "body"
            response.headers["HX-Reswap"] = "innerHTML"
            response.headers["HX-Push-Url"] = "false"
        return response

    for code in ERROR_MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "页面已过期，请刷新页面后重新提交。")

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        original = getattr(exc, "original_exception", None)
        if original is not None and is_busy_error(original):
            return busy(original)
        return render_error(500)

    @app.errorhandler(OperationalError)
    def busy(exc):
        """The database could not take a write in time (SQLite's lock held past the busy
        timeout): nothing was saved; say so, and when to try again, instead of a 500."""
        db.session.rollback()
        if not is_busy_error(exc):
            raise exc
        response = render_error(503)
        response.headers["Retry-After"] = "3"
        return response
