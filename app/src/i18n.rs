//! The one message catalogue of the UI: Japanese by default, English second.
//! Words follow `GLOSSARY.md` (one word per idea).

use leptos::prelude::*;

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "kura_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language chosen in a `Cookie:` header value; Japanese otherwise.
    pub fn from_cookie_header(header: &str) -> Lang {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v))
            .unwrap_or_default()
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }
}

/// The language of this page: provided by the app from the request (server)
/// or from `<html lang>` (browser), so both render the same text.
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

macro_rules! catalogue {
    ($($key:ident => ($ja:expr, $en:expr),)*) => {
        /// Every string the UI shows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg { $($key,)* }

        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::Ja) => $ja, (Msg::$key, Lang::En) => $en,)*
                }
            }

            #[cfg(test)]
            const ALL: &'static [Msg] = &[$(Msg::$key,)*];
        }
    };
}

catalogue! {
    ProductName => ("Kura", "Kura"),
    LanguageSwitch => ("English", "日本語"),
    LoginTitle => ("ログイン", "Log in"),
    OperatorLoginTitle => ("運用コンソール ログイン", "Operator console log in"),
    OrgCode => ("組織コード", "Organisation code"),
    UserId => ("ユーザーID", "User ID"),
    Password => ("パスワード", "Password"),
    ShowPassword => ("表示", "Show"),
    HidePassword => ("隠す", "Hide"),
    LogIn => ("ログイン", "Log in"),
    LogOut => ("ログアウト", "Log out"),
    LoggingIn => ("確認しています…", "Checking…"),
    OperatorLink => ("運用担当者の方はこちら", "Operators log in here"),
    TenantLink => ("組織の利用者の方はこちら", "Organisation users log in here"),
    LoginFailed => ("組織コード、ユーザーID、またはパスワードが正しくありません。", "The organisation code, user ID or password is incorrect."),
    Throttled => ("ログインの試行が続いたため、しばらくお待ちください。{s}秒後に再度お試しいただけます。", "Too many attempts. Please wait; you can try again in {s} seconds."),
    Busy => ("ただいま混み合っています。少し待ってから再度お試しください。", "The service is busy. Please try again in a moment."),
    Internal => ("エラーが発生しました。時間をおいて再度お試しください。", "Something went wrong. Please try again later."),
    NotAuthenticated => ("ログインしてください。", "Please log in."),
    Forbidden => ("この操作を行う権限がありません。", "You are not allowed to do this."),
    NotFound => ("指定されたデータは見つかりません。", "The requested item was not found."),
    InvalidInput => ("入力内容を確認してください。", "Please check what you entered."),
    Home => ("ホーム", "Home"),
    Welcome => ("ようこそ", "Welcome"),
    LoggedInAs => ("ログイン中のアカウント", "Logged in as"),
    Organisation => ("組織", "Organisation"),
    Role => ("ロール", "Role"),
    RoleOperator => ("運用担当者", "Operator"),
    RoleAdmin => ("組織管理者", "Organisation admin"),
    RoleMember => ("メンバー", "Member"),
    RoleViewer => ("閲覧者", "Viewer"),
    OperatorConsole => ("運用コンソール", "Operator console"),
    OperatorConsoleIntro => ("組織とアカウントの管理、お知らせ、インシデント、ログを扱います。", "Manage organisations and accounts, notices, incidents and logs."),
    ChangePassword => ("パスワード変更", "Change password"),
    MustChangePassword => ("仮パスワードでログインしています。続けるには新しいパスワードを設定してください。", "You logged in with a temporary password. Set a new password to continue."),
    CurrentPassword => ("現在のパスワード", "Current password"),
    NewPassword => ("新しいパスワード", "New password"),
    ConfirmPassword => ("新しいパスワード（確認）", "New password (again)"),
    PasswordRules => ("12文字以上128文字以下。よく使われるパスワードは使えません。文字の種類の指定はありません。", "12 to 128 characters. Commonly used passwords are refused. No rules about character types."),
    Save => ("変更する", "Change"),
    PasswordChanged => ("パスワードを変更しました。", "Your password has been changed."),
    CurrentPasswordWrong => ("現在のパスワードが正しくありません。", "The current password is incorrect."),
    PasswordTooShort => ("パスワードは12文字以上にしてください。", "Use at least 12 characters."),
    PasswordTooLong => ("パスワードは128文字以下にしてください。", "Use at most 128 characters."),
    PasswordCommon => ("よく使われているパスワードのため使えません。別のパスワードにしてください。", "This password is commonly used. Please choose another."),
    PasswordSameAsName => ("ユーザーIDや組織コードを含むパスワードは使えません。", "The password must not be based on your user ID or organisation code."),
    PasswordSameAsCurrent => ("現在と同じパスワードは使えません。", "The new password must differ from the current one."),
    PasswordMismatch => ("確認用のパスワードが一致しません。", "The two new passwords do not match."),
    CharCount => ("{n}文字", "{n} characters"),
    Loading => ("読み込み中…", "Loading…"),
    PageNotFound => ("ページが見つかりません。", "Page not found."),
    BackToLogin => ("ログイン画面へ", "Go to log in"),
    SessionInfo => ("一定時間操作がないと自動的にログアウトします。", "You are logged out automatically after a period of inactivity."),
}

/// Shorthand for components: the text of `msg` in the page's language.
pub fn t(msg: Msg) -> &'static str {
    msg.text(use_lang())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages() {
        for m in Msg::ALL {
            assert!(!m.text(Lang::Ja).is_empty(), "{m:?}");
            assert!(!m.text(Lang::En).is_empty(), "{m:?}");
        }
    }

    #[test]
    fn the_language_comes_from_the_cookie_and_defaults_to_japanese() {
        assert_eq!(Lang::from_cookie_header("a=1; kura_lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("kura_lang=fr"), Lang::Ja);
        assert_eq!(Lang::from_cookie_header(""), Lang::Ja);
    }
}
