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
    People => ("利用者名簿", "People"),
    Categories => ("記録の区分", "Record categories"),
    CategoriesHint => ("記録に付ける区分です。名前を変えると、その区分の記録すべてに反映されます。", "Categories for records. Renaming one renames it on every record."),
    NewCategory => ("新しい区分", "New category"),
    AddCategory => ("区分を追加", "Add category"),
    Rename => ("名前を変更", "Rename"),
    ExportPeople => ("CSV出力", "Export"),
    ImportPeople => ("CSV取込", "Import"),
    ImportHint => ("CSVファイル（1行目は見出し）。UTF-8（BOMの有無は問いません）とShift_JIS（Excelの「CSV (コンマ区切り)」）を読み込めます。5 MB・10,000行まで。このページのCSV出力と同じ見出し（姓、名、フリガナ（セイ）…）を使います。取り込む前に全行を確認し、問題が1行でもあれば何も登録しません。", "A CSV file whose first line is the header, in UTF-8 (with or without BOM) or Shift_JIS (Excel's plain \"CSV\"); up to 5 MB and 10,000 rows. Use the headers of this page's export (Family name, Given name, …). Every row is checked first; if any row has a problem nothing is added."),
    ImportFile => ("CSVファイル", "CSV file"),
    CheckFile => ("内容を確認する", "Check the file"),
    ImportRows => ("取り込む行数: {n}", "Rows to add: {n}"),
    ImportIgnored => ("使わない列:", "Columns not used:"),
    ImportNoProblems => ("問題は見つかりませんでした。", "No problems found."),
    ImportHasProblems => ("問題のある行があります。修正したファイルで確認し直してください。", "Some rows have problems. Correct the file and check it again."),
    Line => ("行", "Line"),
    Problem => ("問題", "Problem"),
    ConfirmImport => ("{n}件を登録する", "Add {n} people"),
    Imported => ("{n}件を登録しました。", "{n} people added."),
    SavePerson => ("保存する", "Save"),
    SearchTerm => ("検索語", "Search for"),
    Person => ("利用者", "Person"),
    PeopleLink => ("利用者名簿を開く", "Open the people register"),
    PeopleSearchHint => (
        "氏名・フリガナは一部（2文字以上）でも、メールアドレスは@より前の一部でも探せます。電話番号とメールアドレス全体は完全一致です。",
        "Finds a name or reading by any part of two characters or more, an e-mail by part of what comes before @; a phone number or a whole e-mail address must match exactly."
    ),
    MainMenu => ("メインメニュー", "Main menu"),
    SectionMenu => ("このページのメニュー", "Section menu"),
    ActionsColumn => ("操作", "Actions"),
    KanaRows => ("フリガナの行", "Reading starts with"),
    PersonActive => ("有効", "Active"),
    PersonArchived => ("利用終了", "Archived"),
    SortBy => ("並び順", "Sort by"),
    SortUpdated => ("更新日時が新しい順", "Recently updated"),
    SortCreated => ("登録日時が新しい順", "Recently added"),
    Category => ("区分", "Category"),
    NewPerson => ("利用者を登録", "Add person"),
    EditPerson => ("利用者を編集", "Edit person"),
    Name => ("氏名", "Name"),
    Reading => ("フリガナ", "Reading"),
    FamilyName => ("姓", "Family name"),
    GivenName => ("名", "Given name"),
    FamilyKana => ("フリガナ（セイ）", "Reading (family)"),
    GivenKana => ("フリガナ（メイ）", "Reading (given)"),
    Phone => ("電話番号", "Phone"),
    PhoneHint => ("例: 03-1234-5678（全角も可）", "e.g. 03-1234-5678"),
    Email => ("メールアドレス", "E-mail"),
    PostalCode => ("郵便番号", "Postal code"),
    PostalCodeHint => ("例: 123-4567", "e.g. 123-4567"),
    Address => ("住所", "Address"),
    Notes => ("備考", "Notes"),
    BirthDate => ("生年月日", "Date of birth"),
    BirthDateHint => ("和暦（例: 昭和25年4月1日）はCSV取込でも受け付けます。", "CSV imports also accept Japanese era dates (e.g. 昭和25年4月1日)."),
    EmergencyContact => ("緊急連絡先", "Emergency contact"),
    EmergencyContactHint => ("例: 長女 山田花子 090-1234-5678", "e.g. daughter, Hanako Yamada, 090-1234-5678"),
    FamilyNameGroup => ("姓", "Family name"),
    GivenNameGroup => ("名", "Given name"),
    UpdatedAt => ("更新日時", "Updated"),
    Unreadable => ("読み取れないデータ（運用担当者に通知済み）", "Unreadable data (reported)"),
    Edit => ("編集", "Edit"),
    Cancel => ("キャンセル", "Cancel"),
    Archive => ("利用終了にする", "Archive"),
    Restore => ("利用終了を取り消す", "Restore"),
    DeletePerson => ("利用者を削除", "Delete person"),
    ConfirmArchivePerson => ("この利用者を利用終了にします。利用者名簿の「利用中」の一覧には表示されなくなります（記録は残ります）。よろしいですか？", "Archive this person? They leave the active list; their records stay."),
    ConfirmDeleteAccount => ("このアカウントを削除します。元に戻せません。よろしいですか？", "This deletes the account. It cannot be undone. Continue?"),
    ConfirmDisableAccount => ("このアカウントを停止します。ログイン中の端末はすべてログアウトされます。よろしいですか？", "Disable this account? All its sessions end."),
    ConfirmResetPassword => ("パスワードを再発行します。今のパスワードは使えなくなります。よろしいですか？", "Reset the password? The current one stops working."),
    ConfirmEndSession => ("この端末をログアウトさせます。よろしいですか？", "End this session? That device is logged out."),
    ConfirmEndAllSessions => ("このアカウントのすべての端末をログアウトさせます。よろしいですか？", "End every session of this account?"),
    IdleWarning => ("操作がないため、あと{s}秒でログアウトします。続ける場合はボタンを押してください。", "You will be logged out in {s} seconds because of inactivity. Press the button to continue."),
    KeepWorking => ("続ける", "Continue"),
    Print => ("印刷", "Print"),
    IdleLoggedOut => ("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。", "You were logged out after a period of inactivity. Please log in again."),
    LeaveUnsaved => ("保存していない変更があります。このページを離れると変更は失われます。よろしいですか？", "You have unsaved changes. They will be lost if you leave this page. Leave anyway?"),
    Copy => ("コピー", "Copy"),
    Copied => ("コピーしました", "Copied"),
    FirstAccountIsAdmin => ("この組織の最初のアカウントなので、権限は「組織管理者」にしています。", "This is the organisation's first account, so its role is set to admin."),
    ConfirmRemoveLastEntry => ("これは最後の1件です。外すと接続元IP制限がなくなり、どのネットワークからでもこの組織にログインできるようになります。よろしいですか？", "This is the last entry. Removing it ends the IP allowlist: anyone can then log in to this organisation from any network. Remove it?"),
    ConfirmRemoveEntry => ("この接続元を接続元IP制限から外します。その接続元からはログインできなくなります。よろしいですか？", "Remove this network from the IP allowlist? Nobody can log in from it any more."),
    ConfirmSuspendOrganisation => ("この組織を利用停止にします。組織の全員がログアウトされます。よろしいですか？", "Suspend this organisation? Everyone in it is logged out."),
    ConfirmDisableOperator => ("この運用担当者を停止します。よろしいですか？", "Disable this operator?"),
    ConfirmImportPeople => ("CSVの{n}件を利用者名簿に登録します。一度に取り消すことはできません。よろしいですか？", "Add {n} people from the CSV to the register? This cannot be undone in one step."),
    ConfirmDeletePerson => ("この利用者と記録をすべて削除します。元に戻せません。よろしいですか？", "This deletes the person and all their records. It cannot be undone. Continue?"),
    Records => ("記録", "Records"),
    AddRecord => ("記録を追加", "Add record"),
    NoRecords => ("記録はまだありません。", "No records yet."),
    CorrectOrDelete => ("訂正・削除", "Correct or delete"),
    SaveCorrection => ("訂正を保存", "Save correction"),
    ChangeReason => ("理由", "Reason"),
    ChangeReasonHint => ("訂正・削除の理由は、変更前の内容とともに訂正履歴に残ります。", "The reason is kept in the correction history with the content before the change."),
    DeleteRecord => ("この記録を削除", "Delete this record"),
    ConfirmDeleteRecord => ("この記録を削除します。内容と理由は訂正履歴に残ります。よろしいですか？", "This deletes the record. Its content and the reason stay in the correction history. Continue?"),
    RecordCorrectedBadge => ("訂正済み", "Corrected"),
    RecordDeletedBadge => ("削除済み", "Deleted"),
    CorrectionHistory => ("訂正履歴", "Correction history"),
    HistoryCorrected => ("訂正", "Corrected"),
    HistoryDeleted => ("削除", "Deleted"),
    HistoryBefore => ("変更前の内容", "Content before the change"),
    WrittenBy => ("記録者", "Written by"),
    ChangedBy => ("変更者", "Changed by"),
    RecordCorrected => ("記録を訂正しました。", "The record was corrected."),
    RecordDeleted => ("記録を削除しました。訂正履歴に残っています。", "The record was deleted. It stays in the correction history."),
    RecordAdded => ("記録を追加しました。", "The record was added."),
    RecordEditWindow => ("記録した本人は、記録から{h}時間以内なら訂正・削除できます。組織管理者はいつでも訂正・削除できます。", "Authors may correct or delete a record within {h} hours of writing it; organisation admins at any time."),
    RecordEditAdminsOnly => ("記録の訂正・削除は組織管理者が行います。", "Records are corrected or deleted by organisation admins."),
    RecordEditHours => ("記録を訂正できる時間", "Hours to correct a record"),
    RecordEditHoursHint => ("記録した本人が、記録から何時間以内なら訂正・削除できるか（0〜720。0 にすると組織管理者のみ）。組織管理者はいつでもできます。", "How many hours after writing a record its author may correct or delete it (0–720; 0: admins only). Admins always may."),
    OccurredAt => ("日時", "Date and time"),
    RecordBody => ("内容", "Details"),
    OpenLatest => ("最新の内容を開き直す", "Open the latest version"),
    EditedMeanwhile => ("あなたが編集を始めた後に、他の人がこの内容を更新しました。上書きはしていません。ページを開き直して最新の内容を確認してから、もう一度お試しください。", "Someone else saved this after you started editing. Nothing was overwritten; reopen the page to see the latest version, then try again."),
    IntegrityFailed => ("保存されているデータが改ざんまたは破損している可能性があるため表示できません。この事象は記録され、運用担当者に通知されます。", "The stored data failed its integrity check and cannot be shown. This has been recorded and reported."),
    ProblemEncoding => ("この行の文字コードを読み取れません。UTF-8またはShift_JISで保存したCSVファイルを選んでください。", "The text on this line cannot be read. Please choose a CSV file saved as UTF-8 or Shift_JIS."),
    ProblemFileTooLarge => ("ファイルが大きすぎます（5 MBまで）。分けて取り込んでください。", "The file is too large (at most 5 MB). Please import it in parts."),
    ProblemFileTooManyRows => ("行が多すぎます（10,000行まで）。分けて取り込んでください。", "The file has too many rows (at most 10,000). Please import it in parts."),
    ProblemNoNameColumn => ("見出しに「姓」の列がありません。", "The header has no family name column."),
    ProblemKatakana => ("カタカナ（またはひらがな）で入力してください。", "Please enter the reading in katakana (or hiragana)."),
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
    TenantLink => ("組織のアカウントでログインする方はこちら", "Log in with an organisation's account"),
    LoginFailed => ("組織コード、ユーザーID、またはパスワードが正しくありません。", "The organisation code, user ID or password is incorrect."),
    Throttled => ("ログインの試行が続いたため、しばらくお待ちください。{s}秒後に再度お試しいただけます。パスワードがわからない場合は、組織管理者にパスワードの再設定を依頼してください。", "Too many attempts. Please wait; you can try again in {s} seconds. If you do not know your password, ask your organisation admin to reset it."),
    ConfirmationRequired => ("まだ実行していません。内容を確認し、チェックを入れてからもう一度押してください。", "Nothing was done yet. Please confirm by ticking the box, then press the button again."),
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
    Role => ("権限", "Role"),
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
    Account => ("アカウント", "Account"),
    Accounts => ("アカウント一覧", "Accounts"),
    AccountDeleted => ("アカウントを削除しました。", "The account has been deleted."),
    ActiveSessions => ("ログイン中の端末", "Active sessions"),
    AdminConsole => ("管理画面", "Admin"),
    BackToList => ("← 一覧へ戻る", "← Back to the list"),
    ChangeRole => ("権限を変更する", "Change role"),
    Confirm => ("確認する", "Confirm"),
    AuditLog => ("操作ログ", "Audit log"),
    Alerts => ("アラート", "Alerts"),
    PrivilegedReport => ("特権操作レポート", "Privileged activity report"),
    PrivilegedReportHint => ("アカウントの登録・停止・削除、権限の変更、パスワード再発行、設定変更などを、誰が何回行ったかを示します。期間を空欄にすると直近30日です。", "Who created, disabled or deleted accounts, changed roles, reset passwords or changed settings, and how often. Empty dates mean the last 30 days."),
    ShowReport => ("表示する", "Show"),
    LoginChart => ("ログインの推移（30日間）", "Logins over 30 days"),
    LoginsSucceeded => ("ログイン成功", "Successful logins"),
    LoginsFailed => ("ログイン失敗", "Failed logins"),
    LoginsDenied => ("拒否", "Denied"),
    ChartTable => ("数値で見る", "Show the numbers"),
    OpenAlerts => ("未対応のアラート{n}件", "{n} alerts not closed"),
    NoAlerts => ("アラートはありません。", "No alerts."),
    AlertOpen => ("未対応", "Open"),
    AlertAcknowledged => ("確認済み", "Acknowledged"),
    AlertClosed => ("完了", "Closed"),
    RuleAccountFailures => ("同じアカウントへのログイン失敗が続いています", "Repeated failed logins for one account"),
    RuleAddressFailures => ("同じ接続元からのログイン失敗が続いています", "Repeated failed logins from one address"),
    RuleAdminBurst => ("組織管理者が短時間に多数のアカウントを作成しました", "An organisation admin created many accounts in a day"),
    RuleBulkExport => ("大量のデータが出力されました", "A large amount of data was exported"),
    RuleChainBroken => ("操作ログの改ざんを検知しました", "The audit log's hash chain is broken"),
    RuleOperatorOffHours => ("運用担当者が業務時間外に操作しました", "An operator acted outside business hours"),
    FirstSeen => ("初回", "First seen"),
    EventCount => ("件数", "Events"),
    Detail => ("詳細", "Detail"),
    Comment => ("コメント", "Comment"),
    Acknowledge => ("確認済みにする", "Acknowledge"),
    CloseAlert => ("完了にする", "Close"),
    AuditHint => ("時刻は組織のタイムゾーンです（運用コンソールでは日本時間）。「詳細」を開くと記録された内容が表示されます。CSV出力は、いまの条件で最大50,000件を出力し、その操作も記録されます。", "Times are in the organisation's time zone (Japan time on the operator console). Open “Details” to see what was recorded. The CSV export holds up to 50,000 events matching the filters and is itself recorded."),
    ActorCli => ("コマンドライン（{who}）", "Command line ({who})"),
    ActorSystem => ("システム", "System"),
    ActorAnonymous => ("未ログイン", "Not logged in"),
    TargetAccount => ("アカウント", "Account"),
    TargetOrganisation => ("組織", "Organisation"),
    TargetPerson => ("利用者", "Person"),
    TargetCategory => ("区分", "Category"),
    Details => ("詳細", "Details"),
    TotalCount => ("全{n}件", "{n} in all"),
    TotalCountMore => ("全{n}件以上", "More than {n}"),
    PersonAdded => ("利用者を登録しました。", "The person was added."),
    PersonSaved => ("利用者の情報を保存しました。", "The person was saved."),
    PersonArchivedDone => ("利用終了にしました。記録は残っています。", "The person was archived. Their records stay."),
    PersonRestoredDone => ("利用終了を取り消しました。", "The person was restored."),
    PasswordChangedDone => ("パスワードを変更しました。", "Your password was changed."),
    EmptyRegister => ("まだ利用者が登録されていません。利用者を一人ずつ登録するか、CSVファイルからまとめて取り込めます。", "Nobody is in the register yet. Add people one by one, or import them from a CSV file."),
    EmptyRegisterReadOnly => ("まだ利用者が登録されていません。", "Nobody is in the register yet."),
    AllOf => ("{x}（すべて）", "{x} (all)"),
    OtherActions => ("その他", "Other"),
    DateFrom => ("開始日", "From"),
    DateTo => ("終了日", "To"),
    Actor => ("操作者", "Actor"),
    ActionName => ("操作", "Action"),
    Result => ("結果", "Result"),
    All => ("すべて", "All"),
    ResultSuccess => ("成功", "Success"),
    ResultFailure => ("失敗", "Failure"),
    ResultDenied => ("拒否", "Denied"),
    Search => ("検索する", "Search"),
    ExportCsv => ("CSV出力", "Export CSV"),
    Time => ("日時", "Time"),
    Target => ("対象", "Target"),
    Newest => ("最新へ", "Newest"),
    Older => ("さらに古い操作", "Older"),
    NetworkDenied => ("この接続元ネットワークからは、この組織を利用できません。組織管理者に接続元IP制限の設定をご確認ください。", "This network is not allowed for this organisation. Ask your organisation admin about its IP allowlist."),
    ProblemLocksYouOut => ("この設定では、いま操作しているあなたの接続元アドレスが許可されなくなるため、保存していません。先に「あなたの接続元アドレス」を含む範囲を追加してから、もう一度お試しください。", "Not saved: this list would not include the address you are using now. First add a range that includes “your address” shown on this page, then try again."),
    ProblemCategoryInUse => ("この区分は記録に使われているため削除できません（名前の変更はできます）。", "This category is used by records, so it cannot be removed (it can be renamed)."),
    RemoveCategory => ("削除", "Remove"),
    MoveUp => ("上へ", "Up"),
    MoveDown => ("下へ", "Down"),
    ConfirmRemoveCategory => ("この区分を削除します。よろしいですか？", "Remove this category?"),
    CategoryInUseNote => ("記録で使用中", "Used by records"),
    ProblemRequiredByPlatform => ("このサービスでは接続元IP制限を空にできません。", "This service requires every organisation to keep an IP allowlist."),
    IpAllowlist => ("接続元IP制限", "IP allowlist"),
    IpAllowlistHint => ("IPv4/IPv6のアドレスまたはCIDR（例: 203.0.113.0/24）。一覧にあるネットワークからのみログイン・操作できます。", "IPv4/IPv6 addresses or CIDR ranges (e.g. 203.0.113.0/24). Only these networks can log in and use the organisation."),
    AllowlistEmptyWarning => ("接続元IP制限が設定されていません。どのネットワークからでもログインできます。", "No IP allowlist is set: people can log in from any network."),
    YourAddress => ("あなたの接続元アドレス", "Your address"),
    Allowed => ("許可されています", "allowed"),
    NotAllowed => ("許可されていません", "not allowed"),
    Cidr => ("アドレス / CIDR", "Address / CIDR"),
    Note => ("メモ", "Note"),
    AddEntry => ("追加する", "Add"),
    RemoveEntry => ("削除", "Remove"),
    ContactEmails => ("連絡先メールアドレス", "Contact e-mail addresses"),
    ContactEmailsHint => ("お知らせやインシデントの通知先です。複数ある場合はカンマで区切ってください（5件まで）。", "Notices and incident reports go here. Separate several with commas (up to 5)."),
    ContactPhone => ("連絡先電話番号", "Contact phone"),
    Contacts => ("連絡先", "Contacts"),
    ContractStart => ("契約開始日", "Contract start"),
    CreateAccount => ("アカウントを作成する", "Create account"),
    CreateOrganisation => ("組織を登録する", "Register organisation"),
    Created => ("登録日時", "Created"),
    DeleteAccount => ("アカウントを削除する", "Delete account"),
    DeleteHint => ("削除すると元に戻せません。ログイン中の端末もすべてログアウトします。操作ログは残ります。", "Deletion cannot be undone. All its sessions end. The audit log keeps the record."),
    Device => ("端末", "Device"),
    Disable => ("アカウント停止", "Disable"),
    Enable => ("アカウント再開", "Enable"),
    EndAllSessions => ("すべての端末をログアウトさせる", "End all sessions"),
    EndSession => ("ログアウトさせる", "End"),
    ExpiryDate => ("アカウント有効期限", "Expiry date"),
    ExpiryHint => ("この日の終わり（組織のタイムゾーン）を過ぎるとログインできなくなります。空欄で期限なし。", "The account stops working after the end of this day (organisation time zone). Leave empty for none."),
    FailedLogins => ("連続ログイン失敗回数", "Failed logins in a row"),
    FirstPasswordMethod => ("パスワードの渡し方", "How the password is handed over"),
    IpAddress => ("IPアドレス", "IP address"),
    IssuedLink => ("次の初期設定リンクを本人に渡してください。本人がパスワードを決めます。", "Give this setup link to the account's owner; they choose their own password."),
    IssuedTemporary => ("次の仮パスワードを本人に渡してください。初回ログイン時に変更が必要です。", "Give this temporary password to the account's owner; it must be changed at first login."),
    LastActivity => ("最終利用", "Last activity"),
    LastLogin => ("最終ログイン", "Last login"),
    LastSeen => ("最終操作", "Last seen"),
    LoginRules => ("半角英小文字・数字・記号（. _ - @）で64文字まで。", "Lower-case letters, digits and . _ - @, up to 64 characters."),
    MembersMayExport => ("メンバーにCSV出力を許可する", "Allow members to export CSV"),
    MembersMayExportHint => ("オフの場合、CSV出力は組織管理者のみ行えます。", "When off, only organisation admins can export."),
    MyAccount => ("アカウント設定", "My account"),
    NewAccount => ("アカウントの作成", "New account"),
    NewOperator => ("運用担当者の追加", "New operator"),
    NewOrganisation => ("組織の登録", "New organisation"),
    Next => ("次へ", "Next"),
    NoSessions => ("ログイン中の端末はありません。", "No active sessions."),
    NoneFound => ("該当するものはありません。", "Nothing found."),
    Operators => ("運用担当者", "Operators"),
    OrgCodeRules => ("半角英小文字・数字・ハイフンで2〜32文字。ログイン時に使います。", "2 to 32 lower-case letters, digits or hyphens. Used at login."),
    OrgName => ("組織名", "Organisation name"),
    Organisations => ("組織一覧", "Organisations"),
    PageOf => ("{p} / {n} ページ（全{t}件）", "Page {p} of {n} ({t} in all)"),
    Pages => ("ページ送り", "Pages"),
    Previous => ("前へ", "Previous"),
    ProblemFormat => ("形式が正しくありません。", "This is not in the expected format."),
    ProblemRange => ("範囲外の値です。", "This value is out of range."),
    ProblemLastAdmin => ("有効な組織管理者が他にいないため、この操作はできません。先に別の組織管理者を設定してください。", "This is the last active organisation admin. Make another account an admin first."),
    ProblemLastOperator => ("有効な運用担当者が他にいないため、利用停止できません。", "This is the last active operator and cannot be disabled."),
    ProblemPast => ("今日以降の日付を指定してください。", "Choose today or a later date."),
    ProblemRequired => ("入力してください。", "Please fill this in."),
    ProblemSelf => ("自分自身のアカウントは削除できません。", "You cannot delete your own account."),
    ProblemAlreadySaved => ("このフォームの内容は既に保存されています（別の内容で送り直されました）。ページを読み込み直して記録を確認し、必要なら新しく追加してください。", "This form was already saved (and was sent again with other content). Reload the page to see the record, then add a new one if needed."),
    ProblemTaken => ("既に使われています。別の値にしてください。", "This is already in use. Please choose another."),
    ProblemTerminated => ("契約終了した組織は変更できません。", "An organisation whose contract has ended cannot be changed."),
    ProblemTooLong => ("長すぎます。", "This is too long."),
    ProblemTooMany => ("5件までにしてください。", "Enter at most 5."),
    ProblemUnknown => ("選択肢から選んでください。", "Please choose one of the options."),
    ReauthDone => ("確認しました。もう一度操作してください。", "Confirmed. Please repeat the action."),
    ReauthRequired => ("重要な操作のため、パスワードを再入力してください。", "For this change, please enter your password again."),
    ResetPassword => ("パスワードを再発行する", "Reset password"),
    Restrictions => ("利用制限", "Restrictions"),
    Resume => ("利用再開", "Resume"),
    SaveContacts => ("連絡先を保存する", "Save contacts"),
    SaveExpiry => ("アカウント有効期限を保存する", "Save expiry date"),
    SaveSettings => ("設定を保存する", "Save settings"),
    Saved => ("保存しました。", "Saved."),
    SearchByUserId => ("ユーザーIDで検索", "Search by user ID"),
    SearchOrganisations => ("組織コード・組織名で検索", "Search by code or name"),
    SessionsHint => ("心当たりのない端末があれば、ログアウトさせてからパスワードを変更してください。パスワードを変更すると他の端末はすべてログアウトします。", "If you do not recognise a device, end it and change your password. Changing the password ends every other session."),
    SetPassword => ("パスワードを設定する", "Set password"),
    Settings => ("組織の設定", "Organisation settings"),
    SetupDone => ("パスワードを設定しました。ログイン画面からログインしてください。", "Your password is set. Please log in."),
    SetupLink => ("初期設定リンク（推奨）", "Setup link (recommended)"),
    SetupLinkInvalid => ("この初期設定リンクは無効です（使用済み、期限切れ、または誤り）。管理者に再発行を依頼してください。", "This setup link is not valid (used, expired or mistyped). Ask your admin for a new one."),
    SetupTitle => ("初期設定", "Account setup"),
    ShownOnce => ("この表示は一度きりです。画面を離れると再表示できません。", "This is shown only once and cannot be shown again."),
    Started => ("ログイン日時", "Logged in"),
    Status => ("状態", "Status"),
    StatusActive => ("利用中", "Active"),
    StatusDisabled => ("アカウント停止中", "Disabled"),
    Suspend => ("組織を一時停止する", "Suspend organisation"),
    SuspendHint => ("一時停止中は、この組織の誰もログインできず、ログイン中の端末も次の操作でログアウトします。", "While suspended, nobody of this organisation can log in, and open sessions end at their next action."),
    Suspension => ("一時停止", "Suspension"),
    TemporaryPassword => ("仮パスワード", "Temporary password"),
    TenantActive => ("利用中", "Active"),
    TenantSuspended => ("一時停止中", "Suspended"),
    TenantTerminated => ("契約終了", "Contract ended"),
    ThisDevice => ("この端末", "This device"),
    TimeZone => ("表示タイムゾーン", "Display time zone"),
    TimeZoneHint => ("記録の日時や操作ログの時刻を、このタイムゾーンで表示・入力します。", "Record times and audit log times are shown and entered in this time zone."),
    Unlock => ("ロック解除", "Unlock"),
    UserCount => ("アカウント数", "Accounts"),
    ValidUntil => ("有効期限:", "Valid until:"),
    YourPassword => ("あなたのパスワード", "Your password"),
    SessionInfo => ("一定時間操作がないと自動的にログアウトします。", "You are logged out automatically after a period of inactivity."),
}

/// The label of a 五十音 row's tab (あ行, …; English: A, Ka, …).
pub fn kana_row_label(row: kura::domain::KanaRow, lang: Lang) -> &'static str {
    use kura::domain::KanaRow as R;
    let (ja, en) = match row {
        R::A => ("あ行", "A"),
        R::Ka => ("か行", "Ka"),
        R::Sa => ("さ行", "Sa"),
        R::Ta => ("た行", "Ta"),
        R::Na => ("な行", "Na"),
        R::Ha => ("は行", "Ha"),
        R::Ma => ("ま行", "Ma"),
        R::Ya => ("や行", "Ya"),
        R::Ra => ("ら行", "Ra"),
        R::Wa => ("わ行", "Wa"),
        R::Other => ("その他", "Other"),
    };
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

/// Shorthand for components: the text of `msg` in the page's language.
pub fn t(msg: Msg) -> &'static str {
    msg.text(use_lang())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        let seen: Vec<String> = [0, 7, 999, 1_000, 12_345, 1_000_000, -1_500].into_iter().map(grouped).collect();
        assert_eq!(seen, ["0", "7", "999", "1,000", "12,345", "1,000,000", "-1,500"]);
    }

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

/// Every audit action's words on screen (GLOSSARY words), by its stable name,
/// in the order the action filter lists them. The core names the actions;
/// a test checks that this table has each of them and no other.
pub const ACTION_WORDS: &[(&str, &str, &str)] = &[
    ("login.succeeded", "ログイン", "Logged in"),
    ("login.failed", "ログイン失敗", "Login failed"),
    ("login.throttled", "ログインの一時制限", "Logins throttled"),
    ("login.blocked", "制限中のログイン", "Login while throttled"),
    ("login.network_denied", "許可されていない接続元からのログイン", "Login from a network not allowed"),
    ("logout", "ログアウト", "Logged out"),
    ("password.changed", "パスワード変更", "Password changed"),
    ("password.change_failed", "パスワード変更の失敗", "Password change failed"),
    ("session.ended", "ログイン中の端末の終了", "Session ended"),
    ("session.revoked", "全端末のログアウト", "Sessions revoked"),
    ("session.network_denied", "許可されていない接続元からの操作", "Request from a network not allowed"),
    ("operator.created", "運用担当者の登録", "Operator created"),
    ("operator.disabled", "運用担当者の停止", "Operator disabled"),
    ("operator.enabled", "運用担当者の再開", "Operator enabled"),
    ("tenant.created", "組織の登録", "Organisation created"),
    ("tenant.contacts_changed", "組織の連絡先の変更", "Organisation contacts changed"),
    ("tenant.suspended", "組織の利用停止", "Organisation suspended"),
    ("tenant.resumed", "組織の利用再開", "Organisation resumed"),
    ("tenant.settings_changed", "組織の設定の変更", "Organisation settings changed"),
    ("user.created", "アカウント登録", "Account created"),
    ("user.disabled", "アカウント停止", "Account disabled"),
    ("user.enabled", "アカウント再開", "Account enabled"),
    ("user.password_reset", "パスワードの再発行", "Password reset"),
    ("user.role_changed", "権限の変更", "Role changed"),
    ("user.expiry_set", "アカウント有効期限の設定", "Expiry date set"),
    ("user.unlocked", "ログイン制限の解除", "Account unlocked"),
    ("user.deleted", "アカウント削除", "Account deleted"),
    ("setup_link.issued", "設定用リンクの発行", "Setup link issued"),
    ("setup_link.used", "設定用リンクの使用", "Setup link used"),
    ("reauth.succeeded", "パスワードの再確認", "Password re-entered"),
    ("reauth.failed", "パスワードの再確認の失敗", "Password re-entry failed"),
    ("audit.verified", "操作ログの検証", "Audit log verified"),
    ("audit.exported", "操作ログのCSV出力", "Audit log exported"),
    ("audit.retention_removed", "保存期間を過ぎた操作ログの削除", "Expired audit entries removed"),
    ("audit.chain_rekeyed", "操作ログの鍵の更新", "Audit chain re-keyed"),
    ("alert.opened", "アラートの発生", "Alert opened"),
    ("alert.acknowledged", "アラートの確認", "Alert acknowledged"),
    ("alert.closed", "アラートの終了", "Alert closed"),
    ("allowlist.changed", "接続元IPアドレス制限の変更", "IP allowlist changed"),
    ("ops.fence_denied", "許可されていない接続元からの運用コンソール", "Operator console from a network not allowed"),
    ("person.created", "利用者の登録", "Person added"),
    ("person.updated", "利用者の編集", "Person edited"),
    ("person.archived", "利用終了", "Archived"),
    ("person.restored", "利用終了の取り消し", "Restored"),
    ("person.deleted", "利用者の削除", "Person deleted"),
    ("record.created", "記録の追加", "Record added"),
    ("record.corrected", "記録の訂正", "Record corrected"),
    ("record.deleted", "記録の削除", "Record deleted"),
    ("categories.changed", "記録の区分の変更", "Record categories changed"),
    ("people.exported", "利用者名簿のCSV出力", "People exported"),
    ("people.imported", "利用者名簿のCSV取込", "People imported"),
    ("data.integrity_failed", "データの改ざん・破損の検出", "Data integrity failure"),
    ("people.sealed_upgraded", "暗号化形式の更新", "Sealed values upgraded"),
    ("people.sealed_upgrade_finished", "暗号化形式の更新の完了", "Sealed value upgrade finished"),
    ("people.details_sealed", "生年月日・緊急連絡先の暗号化", "Birth dates and emergency contacts sealed"),
    ("people.details_seal_finished", "生年月日・緊急連絡先の暗号化の完了", "Birth date sealing finished"),
    ("people.search_index_rebuilt", "検索用索引の再作成", "Search index rebuilt"),
    ("keys.master_rotated", "マスター鍵の交換", "Master key rotated"),
    ("maintenance.migrated", "データベースの更新", "Database migrated"),
];

/// What an audit action is called on screen: `None` for a name this Kura
/// does not know (shown as it is).
pub fn action_label(action: &str, lang: Lang) -> Option<&'static str> {
    word_in(ACTION_WORDS, action, lang)
}

/// The place a time zone is shown as (`TIME_ZONES`): `None` for a zone not
/// on the list (one stored before it existed).
pub fn time_zone_label(zone: &str, lang: Lang) -> Option<&'static str> {
    word_in(TIME_ZONES, zone, lang)
}

/// The word for `key` in a (key, 日本語, English) table.
fn word_in(table: &[(&str, &'static str, &'static str)], key: &str, lang: Lang) -> Option<&'static str> {
    table.iter().find(|(k, _, _)| *k == key).map(|(_, ja, en)| match lang {
        Lang::Ja => *ja,
        Lang::En => *en,
    })
}

/// The families of actions (`login.`, `person.`, …) in the table's order.
pub fn action_families() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (a, _, _) in ACTION_WORDS {
        if let Some(dot) = a.find('.') {
            if !out.contains(&&a[..=dot]) {
                out.push(&a[..=dot]);
            }
        }
    }
    out
}

/// What a family of audit actions (`login.`) is called in the action filter.
pub fn action_family_label(family: &str, lang: Lang) -> &'static str {
    let (ja, en) = match family {
        "login." => ("ログイン", "Logins"),
        "password." => ("パスワード", "Passwords"),
        "session." => ("ログイン中の端末", "Sessions"),
        "operator." => ("運用担当者", "Operators"),
        "tenant." => ("組織", "Organisations"),
        "user." => ("アカウント", "Accounts"),
        "audit." => ("操作ログ", "Audit log"),
        "alert." => ("アラート", "Alerts"),
        "allowlist." => ("接続元IPアドレス制限", "IP allowlist"),
        "ops." => ("運用コンソール", "Operator console"),
        "setup_link." => ("設定用リンク", "Setup links"),
        "reauth." => ("パスワードの再確認", "Re-authentication"),
        "person." => ("利用者", "People"),
        "record." => ("記録", "Records"),
        "categories." => ("記録の区分", "Record categories"),
        "people." => ("利用者名簿", "Register"),
        "data." => ("データ", "Data"),
        "keys." => ("鍵", "Keys"),
        "maintenance." => ("保守", "Maintenance"),
        _ => ("その他", "Other"),
    };
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

#[cfg(all(test, feature = "ssr"))]
mod action_tests {
    use super::*;

    #[test]
    fn every_audit_action_and_family_has_words_and_no_word_names_an_unknown_action() {
        for a in kura::audit::Action::ALL {
            assert!(action_label(a.as_str(), Lang::Ja).is_some(), "{}: no words", a.as_str());
        }
        for (a, _, _) in ACTION_WORDS {
            assert!(kura::audit::Action::parse(a).is_some(), "{a}: no such action");
        }
        let (mut ours, mut core) = (action_families(), kura::audit_view::action_families());
        ours.sort_unstable();
        core.sort_unstable();
        assert_eq!(ours, core);
        for family in action_families() {
            assert_ne!(action_family_label(family, Lang::Ja), "その他", "{family}");
            assert!(kura::audit_view::is_known_action_filter(family), "{family}");
        }
    }
}

/// A count with thousands separated (1,000), as both languages write it.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The time zones an organisation chooses from, by the place people know
/// (no zone names on screen). A test checks that the core accepts each.
pub const TIME_ZONES: &[(&str, &str, &str)] = &[
    ("Asia/Tokyo", "日本（東京）", "Japan (Tokyo)"),
    ("Asia/Seoul", "韓国（ソウル）", "Korea (Seoul)"),
    ("Asia/Shanghai", "中国（上海）", "China (Shanghai)"),
    ("Asia/Taipei", "台湾（台北）", "Taiwan (Taipei)"),
    ("Asia/Manila", "フィリピン（マニラ）", "Philippines (Manila)"),
    ("Asia/Ho_Chi_Minh", "ベトナム（ホーチミン）", "Vietnam (Ho Chi Minh City)"),
    ("Asia/Bangkok", "タイ（バンコク）", "Thailand (Bangkok)"),
    ("Asia/Singapore", "シンガポール", "Singapore"),
    ("Asia/Jakarta", "インドネシア（ジャカルタ）", "Indonesia (Jakarta)"),
    ("Australia/Sydney", "オーストラリア（シドニー）", "Australia (Sydney)"),
    ("Pacific/Honolulu", "アメリカ（ハワイ）", "United States (Hawaii)"),
    ("America/Los_Angeles", "アメリカ西部（ロサンゼルス）", "United States, Pacific (Los Angeles)"),
    ("America/New_York", "アメリカ東部（ニューヨーク）", "United States, Eastern (New York)"),
    ("Europe/London", "イギリス（ロンドン）", "United Kingdom (London)"),
    ("Europe/Paris", "フランス（パリ）", "France (Paris)"),
    ("Europe/Berlin", "ドイツ（ベルリン）", "Germany (Berlin)"),
    ("UTC", "協定世界時（UTC）", "Coordinated Universal Time (UTC)"),
];

#[cfg(all(test, feature = "ssr"))]
mod time_zone_tests {
    use super::*;

    #[test]
    fn every_time_zone_offered_is_one_the_core_accepts_and_tokyo_comes_first() {
        for (zone, ja, en) in TIME_ZONES {
            assert!(kura::input::parse_time_zone(zone).is_ok(), "{zone}");
            assert!(!ja.contains('/') && !en.contains('/'), "{zone}: no zone names on screen");
        }
        assert_eq!(TIME_ZONES[0].0, "Asia/Tokyo");
        assert_eq!(time_zone_label("Asia/Tokyo", Lang::Ja), Some("日本（東京）"));
        assert_eq!(time_zone_label("Asia/Tokyo", Lang::En), Some("Japan (Tokyo)"));
        assert_eq!(time_zone_label("Africa/Nairobi", Lang::Ja), None, "a zone off the list has no place name");
    }
}
