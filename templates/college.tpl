# College diploma (Bằng tốt nghiệp cao đẳng) — vanbang print template.
# Format: templates/README.md. Positions in mm from the top-left corner of the sheet; a text's
# y is its baseline; sizes in points. Measure your school's blank form (phôi bằng) and move the
# fields onto its dotted lines; the labels print only with --mode full.
#
# Layout: A4 landscape, English on the left half, Vietnamese on the right, as the bilingual
# forms of Circular 10/2017/TT-BLĐTBXH (as amended) are laid out.
vanbang-template 1
type college
page 297 210
font "DejaVu Serif"
border 7 1.2
border 9.5 0.3

# ---- left half: English ----------------------------------------------------------------
label en  79  24 11 center bold italic "SOCIALIST REPUBLIC OF VIETNAM"
label en  79  30 10.5 center bold italic "Independence - Freedom - Happiness"
label en  79  44 11 center bold italic "THE RECTOR OF"
field school_name 79 51 12 center bold upper width 125
label en  79  60 11 center italic "confers"
label en  79  73 19 center bold italic "THE COLLEGE DIPLOMA"
label en  18  86 11 italic "Major:"
field program      46  86 12 bold width 96
label en  18  96 11 italic "Full name:"
field name         46  96 13 bold width 96
label en  18 105 11 italic "Date of birth:"
field birth_date   46 105 11
label en  92 105 11 italic "Sex:"
field gender_en   104 105 11
label en  18 114 11 italic "Classification:"
field classification_en 50 114 11 bold
label en  18 123 11 italic "Mode of study:"
field training_mode_en  50 123 11
field high_quality_en   18 131 10 italic
field kind_en           18  16 10 italic

# The QR code, and what a reader needs beside it.
qr 18 146 36
label vi  60 156 9 italic "Quét mã QR để xác thực văn bằng"
label en  60 161 9 italic "Scan the QR code to verify this diploma"
label vi  60 172 10 "Số hiệu / Serial No.:"
field serial       99 172 10 bold
label vi  60 179 10 "Số vào sổ / Reg. No.:"
field register     99 179 10 bold

# ---- right half: Vietnamese ------------------------------------------------------------
label vi 218  24 12 center bold "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
label vi 218  30 11 center bold "Độc lập - Tự do - Hạnh phúc"
label vi 218  44 11 center bold "HIỆU TRƯỞNG"
field school_name 218 51 12 center bold upper width 125
label vi 218  60 11 center italic "cấp"
label vi 218  73 19 center bold "BẰNG TỐT NGHIỆP CAO ĐẲNG"
label vi 156  86 11 "Ngành/Nghề:"
field program     187  86 12 bold width 93
label vi 156  96 11 "Họ và tên:"
field name        187  96 13 bold width 93
label vi 156 105 11 "Ngày sinh:"
field birth_date  187 105 11
label vi 232 105 11 "Giới tính:"
field gender      253 105 11
label vi 156 114 11 "Xếp loại tốt nghiệp:"
field classification 198 114 11 bold
label vi 156 123 11 "Hình thức đào tạo:"
field training_mode  198 123 11
field high_quality   156 131 10 italic
field kind           279  16 10 right italic

field issue_place_date 235 146 11 center italic
label vi 235 153 11 center bold "HIỆU TRƯỞNG"
label vi 235 158 9 center italic "(Ký tên, đóng dấu / Signature and seal)"
